export { definition, type GenericKwargs, IMPORT_PATH_RE, kwargsSchema } from './definition.js';
