export {
  checkDockerfile,
  type DockerfileCheckOptions,
  type DockerfileFinding,
  expandVariables,
  isDockerignored,
  splitImageRef,
} from './dockerfile.js';
export {
  baseImages,
  findImageByName,
  findImageByRef,
  type ImageEntry,
  type ImagesManifest,
  imageRef,
  imageRefs,
  loadImagesManifest,
  MANIFEST_PATH,
  ManifestError,
  operatorImages,
  parseImagesManifest,
} from './manifest.js';
export {
  CLOSURE_ROOTS,
  checkPythonClosure,
  DECLARED_REQUIRES,
  normalizePyName,
  parsePins,
  parseRequirement,
  satisfiesSpec,
} from './python-closure.js';
export {
  checkManifestAgainstRepo,
  checkRepoDockerfiles,
  checkYamlImages,
  ciBuildArgs,
  finalUid,
  formatFinding,
  operatorPackages,
  type RepoFinding,
  type WorkspacePackage,
  workspacePackages,
  type YamlImage,
  yamlImages,
  yamlRunAsUsers,
} from './repo.js';
export { actionlint, checkActionPins, checkPermissions, type WorkflowFinding } from './workflows.js';
