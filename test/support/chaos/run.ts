/**
 * One chaos run: a private stack, two simulator servers (model under test, judge) behind call
 * logs, each stage as its own `valbench` process, then the faults one after another at seeded
 * points of the run, each measured in its own window (see figures.ts), and the final count and
 * metrics compared with the simulator's ground truth. Used by bench/chaos.ts and the e2e test.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { createKafka } from '../../../lib/kafka/client.ts';
import { createCodec } from '../../../lib/kafka/codec.ts';
import { createSchemaRegistry } from '../../../lib/kafka/registry.ts';
import { silentLogger } from '../../../lib/log.ts';
import { unitHash } from '../../../lib/simulator/behaviour.ts';
import { noFaults, type Latency } from '../../../lib/simulator/model.ts';
import { startSimulatorServer } from '../../../lib/simulator/server.ts';
import { topicNames } from '../../../lib/topics.ts';
import { startCallLog } from './call-log.ts';
import { createClusterProbe } from './cluster-probe.ts';
import { expectedSummary, writePairs } from '../pairs.ts';
import { boundOf, checkJudgments, extraPerFault, perWindow, repeats } from './figures.ts';
import { runFaults } from './fault-windows.ts';
import type { FaultKind } from './faults.ts';
import { drained, readLogState } from './log-state.ts';
import { watchPipeline } from './pipeline-watch.ts';
import { startPrivateStack } from '../private-stack.ts';
import type { ChaosReport, FaultFigures } from './report.ts';
import { startStages } from './stages.ts';
import { watchTopics } from './topic-watcher.ts';

export interface ChaosOptions {
  pairs: number;
  latencyMs: number;
  /** Each simulated call takes latencyMs ± jitterMs (uniform). */
  jitterMs: number;
  concurrency: number;
  seed: number;
  faults: readonly FaultKind[];
  partitions: number;
  responders: number;
  sessionTimeoutSeconds: number;
  /** A fault's effects are over when no extra call came for this long after its recovery. */
  quietMs: number;
  /** A wait gives up when nothing at all moved for this long (the run is then incomplete). */
  stallMs: number;
  /** The whole run ends by then at the latest. */
  deadlineMs: number;
  log: (line: string) => void;
}

function latencyOf(options: ChaosOptions): Latency {
  return options.jitterMs > 0
    ? {
        kind: 'uniform',
        minMs: Math.max(0, options.latencyMs - options.jitterMs),
        maxMs: options.latencyMs + options.jitterMs,
      }
    : { kind: 'fixed', ms: options.latencyMs };
}

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const started = Date.now();
  const deadline = started + options.deadlineMs;
  const closers: [string, () => Promise<unknown>][] = [];
  const dir = mkdtempSync(join(tmpdir(), 'valbench-chaos-'));
  try {
    const { input, rows } = writePairs(options.pairs);
    closers.push(['input folder', () => rm(dirname(input), { recursive: true, force: true })]);
    const stack = await startPrivateStack('chaos');
    closers.push(['private stack', () => stack.remove()]);
    options.log(`private stack up: ${stack.brokers}, ${stack.registryUrl}`);

    const simulator = { profile: 'mixed', seed: options.seed, faults: noFaults } as const;
    const model = await startSimulatorServer({ ...simulator, latency: latencyOf(options) });
    closers.push(['model simulator', () => model.close()]);
    const judge = await startSimulatorServer({ ...simulator, latency: latencyOf(options) });
    closers.push(['judge simulator', () => judge.close()]);
    const modelLog = await startCallLog(model.url);
    closers.push(['model call log', () => modelLog.close()]);
    const judgeLog = await startCallLog(judge.url);
    closers.push(['judge call log', () => judgeLog.close()]);

    const names = topicNames('chaos.');
    const stages = await startStages({
      brokers: stack.brokers,
      registryUrl: stack.registryUrl,
      prefix: names.prefix,
      partitions: options.partitions,
      concurrency: options.concurrency,
      responders: options.responders,
      sessionTimeoutSeconds: options.sessionTimeoutSeconds,
      modelUrl: modelLog.url,
      judgeUrl: judgeLog.url,
      input,
      logDir: dir,
    });
    closers.push(['stages', () => stages.stop()]);
    const probeKafka = createKafka(
      {
        brokers: [stack.brokers],
        clientId: 'valbench-chaos-probe',
        connectionTimeoutMs: 1_000,
        requestTimeoutMs: 3_000,
      },
      silentLogger(),
    );
    const probe = createClusterProbe(probeKafka);
    closers.push(['probe', () => probe.close()]);
    const kafka = createKafka(
      { brokers: [stack.brokers], clientId: 'valbench-chaos' },
      silentLogger(),
    );
    const watcher = await watchTopics(kafka, names, 'chaos-watcher');
    closers.push(['watcher', () => watcher.stop()]);
    options.log('stages running');

    let runId = '';
    const pairIds = rows.map((row) => String(row.id));
    const watch = watchPipeline({
      stages,
      watcher,
      probe,
      names,
      runId: () => runId,
      pairIds,
      calls: [modelLog, judgeLog],
    });
    const lastRepeatAt = (): number =>
      Math.max(
        -Infinity,
        ...[modelLog, judgeLog].flatMap((log) => repeats(log.calls).map((r) => r.at)),
      );
    const windows = await runFaults({
      options,
      deadline,
      stack,
      stages,
      probe,
      names,
      watch,
      watcher,
      lastRepeatAt,
      random: (what) => unitHash(options.seed, `chaos:${what}`),
      onRunId: (id) => {
        runId = id;
      },
      log: (line) => {
        options.log(`[${((Date.now() - started) / 1000).toFixed(1)} s] ${line}`);
      },
    });

    // The end: every pair counted and both groups drained, then calm; or stalled, or too late.
    const complete = await watch.until(
      async () => {
        const everyStage = [...stages.responders, stages.judge, stages.aggregator];
        if (!everyStage.every((stage) => stage.ready())) return false;
        if ((await watch.counted()) < options.pairs) return false;
        const state = await readLogState(probe, names, stages.groups);
        return (
          state !== undefined &&
          drained(state.responderCommitted, state.prompts) &&
          drained(state.judgeCommitted, state.responses)
        );
      },
      options.stallMs,
      deadline,
    );
    const lastCallAt = (): number =>
      Math.max(0, ...[modelLog, judgeLog].map((l) => l.calls.at(-1)?.at ?? 0));
    await watch.until(
      () => Promise.resolve(Date.now() - lastCallAt() >= options.quietMs),
      options.stallMs,
      deadline,
    );
    await windows.closeLast();
    const final = await stages.aggregated(runId);
    const registry = createSchemaRegistry({ url: stack.registryUrl });
    const checked = await checkJudgments(
      watcher.judgmentValues,
      createCodec(registry, 'judgment', names.judgments),
      rows,
      options.seed,
    );
    const deadLetterRange = await probe.logRange(names.deadLetters);
    const deadLetters = [...(deadLetterRange?.end ?? [])].reduce(
      (sum, [p, end]) => sum + end - (deadLetterRange?.start.get(p) ?? 0),
      0,
    );
    const stopCodes = await stages.stop();

    const counted = final?.count ?? 0;
    const metricsEqual =
      final?.cumulative != null &&
      // Over JSON, as /api/metrics answers.
      isDeepStrictEqual(
        final.cumulative,
        JSON.parse(JSON.stringify(expectedSummary(rows, 'mixed', options.seed))),
      );
    const starts = windows.list.flatMap((w) => (w.start === null ? [] : [w.start]));
    const spans = windows.list.flatMap((w) =>
      w.start === null
        ? []
        : [
            {
              start: w.start,
              recoveredAt: w.recoverySeconds === null ? null : w.start + w.recoverySeconds * 1000,
            },
          ],
    );
    const extra = extraPerFault(repeats(modelLog.calls), repeats(judgeLog.calls), spans);
    const [modelExtra, judgeExtra] = [extra.model, extra.judge];
    const wrongPerWindow = perWindow([...checked.wrong.values()], starts);
    const exitsPerWindow = (index: number): string[] =>
      stages.unexpectedExits
        .filter((e) => starts.filter((s) => s <= e.at).length === index)
        .map((e) => `${e.stage} exited ${String(e.code)}`);
    let index = 0;
    const faults: FaultFigures[] = windows.list.map((w) => {
      const i = w.start === null ? -1 : (index += 1);
      const figures = {
        fault: w.kind,
        injected: w.start !== null,
        note: w.note,
        atSeconds: w.start === null ? null : (w.start - started) / 1000,
        judgedAtFault: w.judgedAtFault,
        lost: w.lost,
        doubleCounted: w.overCount + (i < 0 ? 0 : (wrongPerWindow[i] ?? 0)),
        extraModelCalls: i < 0 ? 0 : (modelExtra[i] ?? 0),
        extraJudgeCalls: i < 0 ? 0 : (judgeExtra[i] ?? 0),
        bound: boundOf(w.kind, options.concurrency, options.responders),
        recoverySeconds: w.recoverySeconds,
        settled: w.settled,
        unexpectedExits: i < 0 ? [] : exitsPerWindow(i),
      };
      const pass =
        figures.injected &&
        figures.recoverySeconds !== null &&
        figures.lost === 0 &&
        figures.doubleCounted === 0 &&
        figures.extraModelCalls <= figures.bound.modelCalls &&
        figures.extraJudgeCalls <= figures.bound.judgeCalls;
      return { ...figures, pass };
    });
    const modelCalls = model.served['chat'] ?? 0;
    const judgeCalls = judge.served['chat'] ?? 0;
    const lost = Math.max(0, options.pairs - counted);
    const unexplained = counted === options.pairs && !metricsEqual && checked.wrong.size === 0;
    const doubleCounted =
      Math.max(0, counted - options.pairs) + checked.wrong.size + (unexplained ? 1 : 0);
    const extraBeforeFaults = { modelCalls: modelExtra[0] ?? 0, judgeCalls: judgeExtra[0] ?? 0 };
    const summary = {
      bench: 'chaos' as const,
      pairs: options.pairs,
      latencyMs: options.latencyMs,
      jitterMs: options.jitterMs,
      concurrency: options.concurrency,
      partitions: options.partitions,
      responders: options.responders,
      seed: options.seed,
      faults: [...options.faults],
      runId,
      elapsedSeconds: (Date.now() - started) / 1000,
      complete,
      counted,
      lost,
      lostUnattributed: Math.max(0, lost - windows.lostInWindows()),
      doubleCounted,
      wrongJudgments: checked.wrong.size,
      undecodableJudgments: checked.undecodable,
      metricsEqual,
      modelCalls,
      judgeCalls,
      extraModelCalls: modelCalls - 2 * options.pairs,
      extraJudgeCalls: judgeCalls - options.pairs,
      extraBeforeFaults,
      callLogsMatch: modelLog.calls.length === modelCalls && judgeLog.calls.length === judgeCalls,
      deadLetters,
      unexpectedExits: stages.unexpectedExits.length,
      stopCodes,
    };
    const pass =
      complete &&
      lost === 0 &&
      doubleCounted === 0 &&
      metricsEqual &&
      extraBeforeFaults.modelCalls === 0 &&
      extraBeforeFaults.judgeCalls === 0 &&
      faults.every((f) => f.pass);
    // The stages' logs and the calls stay for a look when the run failed.
    if (pass) rmSync(dir, { recursive: true, force: true });
    else {
      writeFileSync(join(dir, 'faults.json'), JSON.stringify(spans));
      for (const [name, log] of [['model', modelLog] as const, ['judge', judgeLog] as const]) {
        const lines = log.calls.map((call) => JSON.stringify(call));
        writeFileSync(join(dir, `${name}-calls.jsonl`), lines.join('\n') + '\n');
      }
      options.log(`stage logs and call logs kept in ${dir}`);
    }
    return { faults, summary: { ...summary, pass } };
  } finally {
    for (const [name, close] of closers.reverse()) {
      try {
        await close();
      } catch (error) {
        options.log(`closing the ${name} failed: ${String(error)}`);
      }
    }
  }
}
