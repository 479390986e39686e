export { ErrorStatePanel } from './ErrorStatePanel';
