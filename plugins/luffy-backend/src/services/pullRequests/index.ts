export { createPullRequestService } from './createPullRequestService';
export type { PullRequestServiceOptions } from './createPullRequestService';
export { createGithubDeliveryHandler } from './githubDeliveries';
export type { PullRequestService } from './types';
