// `replicate-media cancel ID`: stop a running prediction (and its bill).
import { isTerminalStatus, ReplicateError } from '../../index.js';
import { apiError } from '../api-errors.js';
import { requirePositional } from '../args.js';
import { defineCommand } from '../command.js';
import { API_OPTIONS } from '../options.js';

export interface CancelOptions {
  predictionId: string;
}

export const cancelCommand = defineCommand<CancelOptions>({
  name: 'cancel',
  summary: 'cancel a running prediction',
  usage: 'ID [options]',
  description: 'Cancels prediction ID on the server. A prediction that already finished is left as it is.',
  options: API_OPTIONS,

  parse({ positionals }) {
    const id = requirePositional('cancel', positionals, 'ID');
    return { predictionId: id };
  },

  async run(ctx, { predictionId }) {
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
});
