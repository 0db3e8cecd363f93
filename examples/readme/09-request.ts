// README.md, ## The request. test/readme.test.ts keeps the block and this file equal, type-checks it
// (examples/readme/tsconfig.json) and runs it against the simulator (KLING_BASE_URL).
// #region readme
import { KlingValidationError, parseVideoRequest, validateForGateway } from 'kling-sdk';

const request = parseVideoRequest({ prompt: 'a fox', duration: 7 }); // defaults filled in: mode 'std', sound false
console.log(request);
try {
  validateForGateway('modellix', { prompt: 'x', duration: 20, aspectRatio: '16:9' });
} catch (error) {
  if (KlingValidationError.is(error)) console.log(error.issues); // [{ path: ['duration'], message: 'must be at most 15 seconds' }]
}
// #endregion readme
