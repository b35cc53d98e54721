//! The library's one entry point for a derivation as a user asks for it: text in,
//! reports out. The command line, batch, the tests and the Python bindings call this,
//! so that each case is read once and every caller gets the same answer.

mod hessian;

use std::time::Instant;

use egg::Symbol;

use crate::engine::derive::{derive, Convention, DeriveOptions};
use crate::env::Env;
use crate::error::Error;
use crate::input::read_exprs;
use crate::numeric::{check_derivative, check_symmetric, CHECK_POINTS, CHECK_SEED};
use crate::report::{DerivationReport, Renderings};
use crate::rules::RuleSet;
use crate::syntax::Names;
use crate::typecheck::Typed;

/// Everything one `derive` request says.
#[derive(Debug, Clone)]
pub struct Request {
    pub expr: String,
    pub decls: String,
    /// The variables, in the order given.
    pub wrt: Vec<String>,
    /// 1 for derivatives, 2 for Hessians.
    pub order: u8,
    /// Check each derivative against finite differences.
    pub check: bool,
    pub options: DeriveOptions,
    /// The texts each report renders (all of them by default).
    pub render: Renderings,
}

impl Request {
    pub fn new(expr: &str, decls: &str, wrt: &[&str]) -> Request {
        Request {
            expr: expr.to_string(),
            decls: decls.to_string(),
            wrt: wrt.iter().map(|s| s.to_string()).collect(),
            order: 1,
            check: false,
            options: DeriveOptions::default(),
            render: Renderings::ALL,
        }
    }
}

/// The answer to a request: a report per variable (or per Hessian block), and the
/// warnings of reading it (declared names the expression does not use).
#[derive(Debug, Clone)]
pub struct Answer {
    pub reports: Vec<DerivationReport>,
    pub warnings: Vec<String>,
    pub env: Env,
    pub f: Typed,
}

/// Reads, derives, and (if asked) checks.
pub fn derive_request(req: &Request, rules: &RuleSet) -> Result<Answer, Error> {
    let started = Instant::now();
    rules
        .check_names(&req.options.without)
        .map_err(Error::plain)?;
    let checked = read_exprs(&[&req.expr], &req.decls, &[])?;
    let (f, env) = (checked.typed[0].clone(), checked.env);
    let wrt = variables(&req.wrt, &env)?;
    let reports = match req.order {
        1 => first_order(req, rules, &f, &env, &wrt, started)?,
        2 => hessian::hessian_reports(req, rules, &f, &env, &wrt)?,
        k => {
            return Err(Error::plain(format!(
                "--order {k}: only 1 and 2 are supported"
            )))
        }
    };
    let mut warnings = checked.warnings;
    // `sym` is the default, so only the other two can have been asked for in vain.
    if req.options.symmetric != Convention::Sym && !wrt.iter().any(|x| env.is_symmetric(*x)) {
        warnings.push(format!(
            "--symmetric {} has no effect: no variable of differentiation is symmetric",
            req.options.symmetric.name()
        ));
    }
    Ok(Answer {
        reports,
        warnings,
        env,
        f,
    })
}

/// The `--wrt` names, each a name of the expression, each once.
pub fn variables(names: &[String], env: &Env) -> Result<Vec<Symbol>, Error> {
    if names.is_empty() {
        return Err(Error::plain("--wrt needs a variable"));
    }
    let mut out: Vec<Symbol> = Vec::with_capacity(names.len());
    for w in names {
        let s = Symbol::from(w.trim());
        if !env.vars.contains_key(&s) {
            return Err(Error::plain(format!(
                "--wrt {w}: `{w}` does not occur in the expression"
            )));
        }
        if out.contains(&s) && names.len() > 1 {
            // `--wrt x,x` asks for nothing new; a Hessian is `--order 2`.
            continue;
        }
        out.push(s);
    }
    Ok(out)
}

fn first_order(
    req: &Request,
    rules: &RuleSet,
    f: &Typed,
    env: &Env,
    wrt: &[Symbol],
    started: Instant,
) -> Result<Vec<DerivationReport>, Error> {
    let derivations = derive(f, env, wrt, rules, &req.options)?;
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    let mut out = Vec::new();
    let decls = env.decls_text();
    // The derivatives are shown together: a shared subterm has one name in all of them.
    let names = Names::default();
    for d in &derivations {
        let mut r = DerivationReport::new(
            &req.expr,
            d,
            env,
            &decls,
            rules,
            req.options.layout,
            ms,
            req.render,
            &names,
        );
        if req.check {
            let report = match d.convention {
                Some(c) if c != Convention::None => check_symmetric(
                    &f.expr,
                    &d.numerator,
                    env,
                    d.wrt,
                    c,
                    CHECK_POINTS,
                    CHECK_SEED,
                ),
                _ => check_derivative(&f.expr, &d.numerator, env, d.wrt, CHECK_POINTS, CHECK_SEED),
            };
            let report =
                report.map_err(|e| Error::Failed(format!("the check could not evaluate: {e}")))?;
            r.check = Some(report.into());
        }
        out.push(r);
    }
    Ok(out)
}

/// Reads two expressions together (they share names and sizes) and compares them.
pub fn equiv_request(
    left: &str,
    right: &str,
    decls: &str,
    rules: &RuleSet,
    opts: &crate::engine::equiv::EquivOptions,
) -> Result<crate::report::EquivReport, Error> {
    rules.check_names(&opts.without).map_err(Error::plain)?;
    let checked = read_exprs(&[left, right], decls, &[])?;
    let e = crate::engine::equiv::equiv(
        &checked.typed[0],
        &checked.typed[1],
        &checked.env,
        rules,
        opts,
    )?;
    Ok(crate::report::EquivReport::new(
        left,
        right,
        &e,
        &checked.env,
        rules,
    ))
}
