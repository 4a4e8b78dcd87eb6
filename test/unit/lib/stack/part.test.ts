import { describe, expect, it } from 'vitest';
import { describePart, partAction, partOutcome } from '../../../../lib/stack/part.ts';

describe('partAction', () => {
  it('leaves a part that answers alone, ours or not', () => {
    expect(partAction({ pid: 42, answering: true })).toBe('leave');
    expect(partAction({ pid: undefined, answering: true })).toBe('leave');
  });

  it('waits for a running process that does not answer yet, never restarts it', () => {
    expect(partAction({ pid: 42, answering: false })).toBe('wait');
  });

  it('starts a part only when it has no process', () => {
    expect(partAction({ pid: undefined, answering: false })).toBe('start');
  });
});

describe('partOutcome', () => {
  it('calls a start on existing data a restart', () => {
    expect(partOutcome('start', true)).toBe('restarted');
    expect(partOutcome('start', false)).toBe('started');
  });

  it('reports a part left alone as running and a part waited for as waited', () => {
    expect(partOutcome('leave', true)).toBe('running');
    expect(partOutcome('wait', false)).toBe('waited');
  });
});

describe('describePart', () => {
  it('says that a part was restarted on its existing data, with its pid', () => {
    expect(describePart('kafka', { outcome: 'restarted', pid: 4242 })).toBe(
      'kafka restarted on its existing data, pid 4242',
    );
  });

  it('says when the part answering is not a process of this stack folder', () => {
    expect(describePart('registry', { outcome: 'running', pid: undefined })).toBe(
      'registry already running, not a process of this stack folder',
    );
  });

  it('says new storage, and that a slow part was waited for', () => {
    expect(describePart('registry', { outcome: 'started', pid: 7 })).toBe(
      'registry started on new storage, pid 7',
    );
    expect(describePart('kafka', { outcome: 'waited', pid: 8 })).toBe(
      'kafka did not answer at first: waited until it did, pid 8',
    );
  });
});
