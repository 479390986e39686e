import type { SandboxContext } from '../core/context';

/** Seeds the GitOps side of the demo (acme/gitops manifests, Argo CD Applications). */
export async function seedGitopsDemo(_ctx: SandboxContext): Promise<void> {}
