export { IncidentTable } from './IncidentTable';
