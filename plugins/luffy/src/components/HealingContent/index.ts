export { HealingContent } from './HealingContent';
