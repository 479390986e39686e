export { PendingApprovalsPage } from './PendingApprovalsPage';
