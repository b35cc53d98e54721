//! `matcalc batch`: written next.

use super::args::BatchArgs;
use matcalc::Error;

pub fn run(_a: &BatchArgs) -> Result<i32, Error> {
    Err(Error::Failed("batch is not built yet".to_string()))
}
