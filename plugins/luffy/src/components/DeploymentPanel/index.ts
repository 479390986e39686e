export { DeploymentPanel, HealthStatus } from './DeploymentPanel';
