import { writeJsonAtomic } from '../util/atomic-write.js';
import type { Callback, EpochLogs } from './callbacks.js';

/** history.json: per stage (pretrain, classifier, …) the logs of every epoch, for the report's curves. */
export interface HistoryFile {
  formatVersion: 1;
  stages: Record<string, { epochs: EpochLogs[]; stopReason?: string }>;
}

/** Records every epoch; `restore` lets a resumed run continue an earlier history. */
export class History implements Callback {
  readonly data: HistoryFile = { formatVersion: 1, stages: {} };

  restore(previous: HistoryFile): void {
    this.data.stages = structuredClone(previous.stages);
  }

  onStageBegin(info: { stage: string; startEpoch: number }): void {
    const existing = this.data.stages[info.stage];
    // Epochs after the resume point are redone, so drop any that were recorded past it.
    this.data.stages[info.stage] = { epochs: existing ? existing.epochs.slice(0, info.startEpoch) : [] };
  }

  onEpochEnd(_epoch: number, logs: EpochLogs, control: { stage: string }): void {
    this.data.stages[control.stage].epochs.push({ ...logs });
  }

  onStageEnd(info: { stage: string; stopReason?: string }): void {
    if (info.stopReason) this.data.stages[info.stage].stopReason = info.stopReason;
  }

  async save(path: string): Promise<void> {
    await writeJsonAtomic(path, this.data);
  }
}
