export { MergeDialog } from './MergeDialog';
