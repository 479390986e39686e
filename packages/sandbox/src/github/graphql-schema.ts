/** The subset of GitHub's GraphQL schema the sandbox serves (names and types as GitHub's). */
export const SDL = /* GraphQL */ `
  scalar DateTime
  scalar URI
  scalar GitObjectID
  type Query {
    repository(
      owner: String!
      name: String!
      followRenames: Boolean
    ): Repository
    viewer: User!
    user(login: String!): User
    organization(login: String!): Organization
    rateLimit(dryRun: Boolean): RateLimit
    node(id: ID!): Node
    nodes(ids: [ID!]!): [Node]!
    search(
      query: String!
      type: SearchType!
      first: Int
      last: Int
      after: String
      before: String
    ): SearchResultItemConnection!
  }
  type Mutation {
    addPullRequestReview(
      input: AddPullRequestReviewInput!
    ): AddPullRequestReviewPayload
    mergePullRequest(input: MergePullRequestInput!): MergePullRequestPayload
    enablePullRequestAutoMerge(
      input: EnablePullRequestAutoMergeInput!
    ): EnablePullRequestAutoMergePayload
  }
  interface Node {
    id: ID!
  }
  enum SearchType {
    ISSUE
    REPOSITORY
    USER
    DISCUSSION
  }
  union SearchResultItem = PullRequest
  type SearchResultItemConnection {
    issueCount: Int!
    repositoryCount: Int!
    userCount: Int!
    nodes: [SearchResultItem]
    edges: [SearchResultItemEdge]
    pageInfo: PageInfo!
  }
  type SearchResultItemEdge {
    cursor: String!
    node: SearchResultItem
  }
  enum PullRequestReviewEvent {
    APPROVE
    COMMENT
    DISMISS
    REQUEST_CHANGES
  }
  input AddPullRequestReviewInput {
    pullRequestId: ID!
    event: PullRequestReviewEvent
    body: String
    commitOID: GitObjectID
    clientMutationId: String
  }
  type AddPullRequestReviewPayload {
    clientMutationId: String
    pullRequestReview: PullRequestReview
  }
  enum PullRequestMergeMethod {
    MERGE
    SQUASH
    REBASE
  }
  input MergePullRequestInput {
    pullRequestId: ID!
    mergeMethod: PullRequestMergeMethod
    expectedHeadOid: GitObjectID
    commitHeadline: String
    commitBody: String
    authorEmail: String
    clientMutationId: String
  }
  type MergePullRequestPayload {
    clientMutationId: String
    pullRequest: PullRequest
  }
  input EnablePullRequestAutoMergeInput {
    pullRequestId: ID!
    mergeMethod: PullRequestMergeMethod
    expectedHeadOid: GitObjectID
    commitHeadline: String
    commitBody: String
    clientMutationId: String
  }
  type EnablePullRequestAutoMergePayload {
    clientMutationId: String
    pullRequest: PullRequest
  }
  type AutoMergeRequest {
    enabledAt: DateTime
    enabledBy: Actor
    mergeMethod: PullRequestMergeMethod!
  }
  type RateLimit {
    limit: Int!
    remaining: Int!
    used: Int!
    cost: Int!
    resetAt: DateTime!
    nodeCount: Int!
  }
  interface Actor {
    login: String!
    avatarUrl(size: Int): URI!
    url: URI!
    resourcePath: URI!
  }
  interface RepositoryOwner {
    id: ID!
    login: String!
    avatarUrl(size: Int): URI!
    url: URI!
    resourcePath: URI!
  }
  type User implements Actor & RepositoryOwner & Node {
    id: ID!
    databaseId: Int
    login: String!
    name: String
    email: String!
    avatarUrl(size: Int): URI!
    url: URI!
    resourcePath: URI!
  }
  type Bot implements Actor & Node {
    id: ID!
    databaseId: Int
    login: String!
    avatarUrl(size: Int): URI!
    url: URI!
    resourcePath: URI!
  }
  type Organization implements Actor & RepositoryOwner & Node {
    id: ID!
    databaseId: Int
    login: String!
    name: String
    avatarUrl(size: Int): URI!
    url: URI!
    resourcePath: URI!
  }
  type Repository implements Node {
    id: ID!
    mergeCommitAllowed: Boolean!
    squashMergeAllowed: Boolean!
    rebaseMergeAllowed: Boolean!
    autoMergeAllowed: Boolean!
    deleteBranchOnMerge: Boolean!
    databaseId: Int
    name: String!
    nameWithOwner: String!
    url: URI!
    description: String
    isPrivate: Boolean!
    isArchived: Boolean!
    owner: RepositoryOwner!
    defaultBranchRef: Ref
    pullRequests(
      states: [PullRequestState!]
      first: Int
      last: Int
      after: String
      before: String
      headRefName: String
      baseRefName: String
      labels: [String!]
      orderBy: IssueOrder
    ): PullRequestConnection!
    pullRequest(number: Int!): PullRequest
    ref(qualifiedName: String!): Ref
  }
  input IssueOrder {
    field: IssueOrderField!
    direction: OrderDirection!
  }
  enum IssueOrderField {
    CREATED_AT
    UPDATED_AT
    COMMENTS
  }
  enum OrderDirection {
    ASC
    DESC
  }
  enum PullRequestState {
    OPEN
    CLOSED
    MERGED
  }
  type Ref {
    id: ID!
    name: String!
    prefix: String!
    target: Commit
    associatedPullRequests(
      first: Int
      last: Int
      after: String
      before: String
      states: [PullRequestState!]
      orderBy: IssueOrder
    ): PullRequestConnection!
  }
  type PageInfo {
    hasNextPage: Boolean!
    hasPreviousPage: Boolean!
    startCursor: String
    endCursor: String
  }
  type PullRequestConnection {
    totalCount: Int!
    nodes: [PullRequest]
    edges: [PullRequestEdge]
    pageInfo: PageInfo!
  }
  type PullRequestEdge {
    cursor: String!
    node: PullRequest
  }
  type PullRequest implements Node {
    id: ID!
    reviewRequests(first: Int, last: Int): ReviewRequestConnection
    files(
      first: Int
      last: Int
      after: String
      before: String
    ): PullRequestChangedFileConnection
    autoMergeRequest: AutoMergeRequest
    databaseId: Int
    number: Int!
    title: String!
    body: String!
    url: URI!
    permalink: URI!
    state: PullRequestState!
    isDraft: Boolean!
    createdAt: DateTime!
    updatedAt: DateTime!
    closedAt: DateTime
    mergedAt: DateTime
    merged: Boolean!
    author: Actor
    mergedBy: Actor
    headRefName: String!
    headRefOid: GitObjectID!
    baseRefName: String!
    baseRefOid: GitObjectID!
    additions: Int!
    deletions: Int!
    changedFiles: Int!
    mergeable: MergeableState!
    mergeStateStatus: MergeStateStatus!
    reviewDecision: PullRequestReviewDecision
    statusCheckRollup: StatusCheckRollup
    latestReviews(first: Int, last: Int): PullRequestReviewConnection
    latestOpinionatedReviews(first: Int, last: Int): PullRequestReviewConnection
    reviews(
      first: Int
      last: Int
      states: [PullRequestReviewState!]
    ): PullRequestReviewConnection
    commits(first: Int, last: Int): PullRequestCommitConnection!
    labels(first: Int): LabelConnection
    repository: Repository!
  }
  enum MergeableState {
    MERGEABLE
    CONFLICTING
    UNKNOWN
  }
  enum MergeStateStatus {
    BEHIND
    BLOCKED
    CLEAN
    DIRTY
    DRAFT
    HAS_HOOKS
    UNKNOWN
    UNSTABLE
  }
  enum PullRequestReviewDecision {
    APPROVED
    CHANGES_REQUESTED
    REVIEW_REQUIRED
  }
  enum PullRequestReviewState {
    PENDING
    COMMENTED
    APPROVED
    CHANGES_REQUESTED
    DISMISSED
  }
  type PullRequestReviewConnection {
    totalCount: Int!
    nodes: [PullRequestReview]
  }
  type ReviewRequestConnection {
    totalCount: Int!
    nodes: [ReviewRequest]
  }
  type ReviewRequest {
    id: ID!
    requestedReviewer: RequestedReviewer
  }
  union RequestedReviewer = User | Bot
  enum PatchStatus {
    ADDED
    CHANGED
    COPIED
    DELETED
    MODIFIED
    RENAMED
  }
  type PullRequestChangedFile {
    path: String!
    additions: Int!
    deletions: Int!
    changeType: PatchStatus!
  }
  type PullRequestChangedFileConnection {
    totalCount: Int!
    nodes: [PullRequestChangedFile]
    pageInfo: PageInfo!
  }
  type PullRequestReview implements Node {
    id: ID!
    databaseId: Int
    author: Actor
    state: PullRequestReviewState!
    body: String!
    submittedAt: DateTime
    url: URI!
  }
  type PullRequestCommitConnection {
    totalCount: Int!
    nodes: [PullRequestCommit]
  }
  type PullRequestCommit {
    id: ID!
    commit: Commit!
    url: URI!
  }
  type Commit {
    id: ID!
    oid: GitObjectID!
    abbreviatedOid: String!
    message: String!
    messageHeadline: String!
    committedDate: DateTime!
    url: URI!
    statusCheckRollup: StatusCheckRollup
  }
  type StatusCheckRollup {
    id: ID!
    state: StatusState!
    contexts(
      first: Int
      last: Int
      after: String
    ): StatusCheckRollupContextConnection!
  }
  enum StatusState {
    ERROR
    EXPECTED
    FAILURE
    PENDING
    SUCCESS
  }
  type StatusCheckRollupContextConnection {
    totalCount: Int!
    checkRunCount: Int!
    statusContextCount: Int!
    nodes: [StatusCheckRollupContext]
    pageInfo: PageInfo!
  }
  union StatusCheckRollupContext = CheckRun | StatusContext
  type CheckRun {
    id: ID!
    databaseId: Int
    name: String!
    status: CheckStatusState!
    conclusion: CheckConclusionState
    startedAt: DateTime
    completedAt: DateTime
    detailsUrl: URI
    url: URI!
    title: String
    summary: String
    isRequired(pullRequestNumber: Int, pullRequestId: ID): Boolean!
  }
  enum CheckStatusState {
    QUEUED
    IN_PROGRESS
    COMPLETED
    WAITING
    PENDING
    REQUESTED
  }
  enum CheckConclusionState {
    ACTION_REQUIRED
    TIMED_OUT
    CANCELLED
    FAILURE
    SUCCESS
    NEUTRAL
    SKIPPED
    STARTUP_FAILURE
    STALE
  }
  type StatusContext {
    id: ID!
    context: String!
    state: StatusState!
    description: String
    targetUrl: URI
    createdAt: DateTime!
    avatarUrl: URI
    isRequired(pullRequestNumber: Int, pullRequestId: ID): Boolean!
  }
  type LabelConnection {
    totalCount: Int!
    nodes: [Label]
  }
  type Label {
    id: ID!
    name: String!
    color: String!
    description: String
  }
`;
