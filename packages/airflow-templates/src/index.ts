export { dsAdd, dsFormat, macros, type TemplateContextOptions, templateContext } from './context.js';
export { PyDate, PyDatetime, PyValueError, strftime, strptime } from './pydatetime.js';
export {
  normalizeTemplateSource,
  renderTemplate,
  type TemplateErrorKind,
  TemplateRenderError,
} from './render.js';
