export { PullRequestsContent } from './PullRequestsContent';
