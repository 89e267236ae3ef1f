"""A CPU-time sampler for this process: where the CPU goes, by what each sample's code is part of.

A SIGPROF timer (counted in the process's CPU time, so waiting is never sampled) interrupts the
main thread every millisecond of CPU; each sample goes to the group of the innermost frame
that belongs to a group (code outside every group counts for whoever called it). Unlike a
tracing profiler, it costs almost nothing per call, so call-heavy code is not overstated.
"""

import collections
import signal


class Sampler:
    """`with Sampler(groups) as s: work()`, then `s.shares()`; `groups` are (part, name) pairs,
    the first whose part is in "file:function" winning; frames matching none are looked past."""

    def __init__(self, groups, other="other (Python, stdlib)", interval=0.001):
        self.groups, self.other, self.interval = groups, other, interval
        self.counts = collections.Counter()
        self._names = {}

    def _group(self, code):
        found = self._names.get(code)
        if found is None:
            where = f"{code.co_filename}:{code.co_name}"
            found = next((name for key, name in self.groups if key in where), "")
            self._names[code] = found
        return found

    def _sample(self, _signum, frame):
        while frame is not None:
            group = self._group(frame.f_code)
            if group:
                self.counts[group] += 1
                return
            frame = frame.f_back
        self.counts[self.other] += 1

    def __enter__(self):
        self._previous = signal.signal(signal.SIGPROF, self._sample)
        signal.setitimer(signal.ITIMER_PROF, self.interval, self.interval)
        return self

    def __exit__(self, *exc):
        signal.setitimer(signal.ITIMER_PROF, 0, 0)
        signal.signal(signal.SIGPROF, self._previous)

    def shares(self):
        """[(group, share of the samples)], largest first."""
        total = sum(self.counts.values()) or 1
        return [(group, count / total) for group, count in self.counts.most_common()]
