import { packageBuild } from '../../tsup.package.js';

export default packageBuild({ external: ['webgpu'], typesReferences: ['@webgpu/types'] });
