export { parseArgv, SUBCOMMANDS } from './argparse.js';
export { PYTHON_DIR } from './dagbag.js';
export { main } from './main.js';
export { OUTCOMES, type Outcome } from './options.js';
