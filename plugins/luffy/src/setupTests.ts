import '@testing-library/jest-dom';
import { configure } from '@testing-library/react';

// findBy*/waitFor give up after 1 s by default; on the shared 2-core machine a
// material-table render alone can take longer. Waiting is on our own UI only (the
// APIs are in-memory fakes), so a generous bound does not hide slow I/O.
configure({ asyncUtilTimeout: 15_000 });
