//! The derivation engine: the directed passes (`forward`: d f by the differential
//! rules; `collect`: the canonical forms by the collect rules), the presentation search
//! (`simplify`, with `cost` and `saturate`), the pipeline that strings them together
//! (`derive`), `steps` for `--steps`, and `equiv` (with `explain`) for proofs.

pub mod collect;
pub mod cost;
pub mod derive;
pub mod equiv;
pub mod explain;
pub mod extract;
pub mod forward;
pub mod normal;
pub mod saturate;
pub mod simplify;
pub mod steps;
