// `replicate-media cancel ID`: stop a running prediction (and its bill).
import { isTerminalStatus, ReplicateError } from '../../index.js';
import { apiError } from '../api-errors.js';
import { requirePositional } from '../args.js';
import { type Command, GLOBAL_HELP } from '../command.js';

export const cancelCommand: Command = {
  name: 'cancel',
  summary: 'cancel a running prediction',
  options: {},
  help: `Usage: replicate-media cancel ID

Cancels prediction ID on the server. A prediction that already finished is left as it is.

${GLOBAL_HELP}`,

  async run(ctx, { positionals }) {
    const predictionId = requirePositional('cancel', positionals, 'ID');
    const client = await ctx.createClient();
    let status: string;
    try {
      const before = await client.getPrediction(predictionId);
      if (isTerminalStatus(before.status)) {
        ctx.out.json({ success: true, command: 'cancel', predictionId, status: before.status, alreadyFinished: true });
        ctx.out.line(`Prediction ${predictionId} had already finished (${before.status}); nothing to cancel.`);
        return;
      }
      status = (await client.cancelPrediction(predictionId)).status;
    } catch (error) {
      if (error instanceof ReplicateError) throw apiError(error, `cancel prediction ${predictionId}`);
      throw error;
    }
    ctx.out.json({ success: true, command: 'cancel', predictionId, status, alreadyFinished: false });
    ctx.out.line(`Prediction ${predictionId} is ${status}.`);
  },
};
