export { luffyPlugin as default } from './plugin';
