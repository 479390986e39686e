export { LuffyOverviewCard } from './LuffyOverviewCard';
