//! egg's clock without its start-up cost.
//!
//! egg times its runs with `quanta::Instant`, whose first use calibrates the CPU's time
//! stamp counter against the OS clock: a busy loop of 0.6–20 ms, once per process,
//! longer than a whole small derivation. matcalc keeps time with `std::time::Instant`
//! (the request's `Deadline`), so egg is given a mock clock instead, which this module
//! sets to the real time elapsed each time egg may read it: after every rule's search
//! and application (where egg checks its limits) and before every iteration. egg's time
//! limit therefore behaves as with its own clock, and the calibration never runs.
//!
//! Every call into egg that reads its clock (`Runner::run`, `EGraph::rebuild`) goes
//! through this module.

use std::sync::Arc;
use std::time::{Duration, Instant};

use egg::{Analysis, BackoffScheduler, EGraph, Language, Rewrite, RewriteScheduler, SearchMatches};
use quanta::{Clock, Mock};

/// A mock clock that reads the real time elapsed since it was made, when told to.
#[derive(Clone)]
pub struct EggClock {
    clock: Clock,
    mock: Arc<Mock>,
    origin: Instant,
}

impl EggClock {
    pub fn new() -> EggClock {
        let (clock, mock) = Clock::mock();
        EggClock {
            clock,
            mock,
            origin: Instant::now(),
        }
    }

    /// Moves the mock to the real elapsed time (it only ever moves forward).
    pub fn sync(&self) {
        let real = duration_nanos(self.origin.elapsed());
        let shown = self.mock.value();
        if real > shown {
            self.mock.increment(real - shown);
        }
    }

    /// Runs `f` with egg reading this clock on the current thread.
    pub fn run<T>(&self, f: impl FnOnce() -> T) -> T {
        self.sync();
        quanta::with_clock(&self.clock, f)
    }
}

impl Default for EggClock {
    fn default() -> EggClock {
        EggClock::new()
    }
}

fn duration_nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// `g.rebuild()`; egg only logs the time a rebuild takes, so the clock need not move.
pub fn rebuild<L: Language, N: Analysis<L>>(g: &mut EGraph<L, N>) -> usize {
    thread_local! {
        static STILL: EggClock = EggClock::new();
    }
    STILL.with(|c| quanta::with_clock(&c.clock, || g.rebuild()))
}

/// egg's back-off scheduler, keeping the mock clock in step so that egg's checks of
/// its time limit (after each rule's search and application: egg's own loop calls
/// these) see the real time.
pub struct SyncedScheduler {
    inner: BackoffScheduler,
    clock: EggClock,
}

impl SyncedScheduler {
    pub fn new(inner: BackoffScheduler, clock: EggClock) -> SyncedScheduler {
        SyncedScheduler { inner, clock }
    }
}

impl<L: Language, N: Analysis<L>> RewriteScheduler<L, N> for SyncedScheduler {
    fn can_stop(&mut self, iteration: usize) -> bool {
        RewriteScheduler::<L, N>::can_stop(&mut self.inner, iteration)
    }

    fn search_rewrite<'a>(
        &mut self,
        iteration: usize,
        egraph: &EGraph<L, N>,
        rewrite: &'a Rewrite<L, N>,
    ) -> Vec<SearchMatches<'a, L>> {
        let found = self.inner.search_rewrite(iteration, egraph, rewrite);
        self.clock.sync();
        found
    }

    fn apply_rewrite(
        &mut self,
        iteration: usize,
        egraph: &mut EGraph<L, N>,
        rewrite: &Rewrite<L, N>,
        matches: Vec<SearchMatches<L>>,
    ) -> usize {
        let n = self
            .inner
            .apply_rewrite(iteration, egraph, rewrite, matches);
        self.clock.sync();
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mock_follows_real_time_forward() {
        let c = EggClock::new();
        std::thread::sleep(Duration::from_millis(5));
        let before = c.run(quanta::Instant::now);
        std::thread::sleep(Duration::from_millis(5));
        c.sync();
        let after = c.run(quanta::Instant::now);
        let step = after.duration_since(before);
        assert!(step >= Duration::from_millis(5), "moved {step:?}");
        assert!(step < Duration::from_secs(5), "moved {step:?}");
    }
}
