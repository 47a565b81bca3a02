/**
 * A failure setup or doctor can explain in one message: bad usage and a missing value without a
 * terminal to ask exit 2, anything else 1. (Same contract as the ops CLI's OpsError.)
 */
export { describeError, OpsError as SetupError } from '../ops/errors.ts';
