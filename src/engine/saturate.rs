//! Equality saturation with limits that are settings, and an honest stop reason.

use std::fmt;
use std::time::{Duration, Instant};

use egg::{BackoffScheduler, Rewrite, Runner, StopReason};
use indexmap::IndexMap;

use crate::analysis::{MathAnalysis, MathGraph};
use crate::clock::{EggClock, SyncedScheduler};
use crate::lang::Math;

/// Bounds on one saturation. egg checks its limits between iterations, so the match
/// limit (per rule and iteration, with back-off) also bounds the work inside one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    pub nodes: usize,
    pub iterations: usize,
    pub time: Duration,
    pub match_limit: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            nodes: 20_000,
            iterations: 30,
            time: Duration::from_secs(5),
            match_limit: 2_000,
        }
    }
}

impl Limits {
    /// The presentation graph holds one small coefficient: a few thousand nodes
    /// already hold every form worth printing, and more only costs time.
    pub fn simplify() -> Limits {
        Limits {
            nodes: 3_000,
            iterations: 12,
            time: Duration::from_millis(500),
            match_limit: 500,
        }
    }
}

/// The moment a request's time runs out. Every phase of the request (the directed
/// passes, each saturation, the presentation) takes the smaller of its own share and
/// what is left, so the phases together end within the request's limit, past it by
/// at most the one step that cannot be cut short (an iteration, an extraction).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadline(Instant);

impl Deadline {
    pub fn after(d: Duration) -> Deadline {
        // A limit too large to add (`Duration::MAX`) means no limit worth measuring.
        Deadline(
            Instant::now()
                .checked_add(d)
                .unwrap_or_else(|| Instant::now() + Duration::from_secs(365 * 24 * 3600)),
        )
    }

    /// The time left, zero once past.
    pub fn left(self) -> Duration {
        self.0.saturating_duration_since(Instant::now())
    }

    pub fn passed(self) -> bool {
        Instant::now() >= self.0
    }

    pub fn instant(self) -> Instant {
        self.0
    }

    /// `share`, or less if the deadline comes first.
    pub fn cap(self, share: Duration) -> Duration {
        share.min(self.left())
    }
}

impl Limits {
    /// These limits with the time cut to what `deadline` leaves.
    pub fn within(&self, deadline: Deadline) -> Limits {
        Limits {
            time: deadline.cap(self.time),
            ..*self
        }
    }
}

/// Why a saturation stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stop {
    Saturated,
    /// The goal (a canonical form, a proof) was reached.
    Goal,
    NodeLimit(usize),
    IterationLimit(usize),
    TimeLimit(u128),
    Other(String),
}

impl Stop {
    /// Whether a limit, not completion, ended the search.
    pub fn is_limit(&self) -> bool {
        matches!(
            self,
            Stop::NodeLimit(_) | Stop::IterationLimit(_) | Stop::TimeLimit(_)
        )
    }
}

impl fmt::Display for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Stop::Saturated => write!(f, "saturated"),
            Stop::Goal => write!(f, "goal reached"),
            Stop::NodeLimit(n) => write!(f, "node limit ({n} nodes)"),
            Stop::IterationLimit(n) => write!(f, "iteration limit ({n} iterations)"),
            Stop::TimeLimit(ms) => write!(f, "time limit ({ms} ms)"),
            Stop::Other(m) => write!(f, "{m}"),
        }
    }
}

/// What one saturation did.
#[derive(Debug, Clone)]
pub struct RunStats {
    pub nodes: usize,
    pub classes: usize,
    pub iterations: usize,
    pub ms: f64,
    pub stop: Stop,
    /// How often each rule fired (for `rules stats`).
    pub applied: IndexMap<String, usize>,
    /// Ill-shaped nodes or merges seen by the analysis: always 0 unless there is a bug.
    pub ill_shaped: usize,
}

impl RunStats {
    /// A search that did not run.
    pub fn empty() -> RunStats {
        RunStats {
            nodes: 0,
            classes: 0,
            iterations: 0,
            ms: 0.0,
            stop: Stop::Saturated,
            applied: IndexMap::new(),
            ill_shaped: 0,
        }
    }

    /// Two saturations of one graph, one after the other: sizes and stop reason of the
    /// second, work of both.
    pub fn then(self, next: RunStats) -> RunStats {
        let mut applied = self.applied;
        for (k, v) in next.applied {
            *applied.entry(k).or_default() += v;
        }
        applied.sort_keys();
        RunStats {
            nodes: next.nodes,
            classes: next.classes,
            iterations: self.iterations + next.iterations,
            ms: self.ms + next.ms,
            stop: next.stop,
            applied,
            ill_shaped: self.ill_shaped.max(next.ill_shaped),
        }
    }
}

const GOAL: &str = "goal";

/// Runs `rules` on `egraph` until saturation, a limit, or `goal(egraph)` holds.
pub fn saturate(
    egraph: MathGraph,
    rules: &[Rewrite<Math, MathAnalysis>],
    limits: &Limits,
    goal: impl Fn(&MathGraph) -> bool + 'static,
) -> (MathGraph, RunStats) {
    let start = Instant::now();
    let clock = EggClock::new();
    let scheduler = SyncedScheduler::new(
        BackoffScheduler::default().with_initial_match_limit(limits.match_limit),
        clock.clone(),
    );
    let hook_clock = clock.clone();
    let runner = Runner::default()
        .with_egraph(egraph)
        .with_node_limit(limits.nodes)
        .with_iter_limit(limits.iterations)
        .with_time_limit(limits.time)
        .with_scheduler(scheduler)
        .with_hook(move |r| {
            hook_clock.sync();
            if goal(&r.egraph) {
                Err(GOAL.to_string())
            } else {
                Ok(())
            }
        });
    let runner = clock.run(|| runner.run(rules));
    let stop = match &runner.stop_reason {
        Some(StopReason::Saturated) | None => Stop::Saturated,
        Some(StopReason::NodeLimit(n)) => Stop::NodeLimit(*n),
        Some(StopReason::IterationLimit(n)) => Stop::IterationLimit(*n),
        Some(StopReason::TimeLimit(_)) => Stop::TimeLimit(limits.time.as_millis()),
        Some(StopReason::Other(m)) if m == GOAL => Stop::Goal,
        Some(StopReason::Other(m)) => Stop::Other(m.clone()),
    };
    let mut applied: IndexMap<String, usize> = IndexMap::new();
    for it in &runner.iterations {
        for (name, n) in &it.applied {
            *applied.entry(name.to_string()).or_default() += n;
        }
    }
    applied.sort_keys();
    let stats = RunStats {
        nodes: runner.egraph.total_number_of_nodes(),
        classes: runner.egraph.number_of_classes(),
        iterations: runner.iterations.len(),
        ms: start.elapsed().as_secs_f64() * 1000.0,
        stop,
        applied,
        ill_shaped: runner.egraph.analysis.ill_shaped,
    };
    (runner.egraph, stats)
}
