//! The normal form of sums and products (engine::normal) on random expressions of
//! every operator: equal in value to the input at random points of distinct sizes,
//! stable when applied twice, and printed text that reads back.

mod common;

use common::random_expr::{case_from_seed, GenConfig};
use matcalc::{
    appearance, eval, normalise, read_expr, rel_err, to_text, try_random_point, TextOptions,
};

#[test]
fn the_normal_form_keeps_the_value_and_is_stable() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for seed in 0..6000u64 {
        let c = case_from_seed(seed, &GenConfig::new(1 + (seed % 8) as usize));
        let Ok((f, env)) = read_expr(&c.expr, &c.decls) else {
            failures.push(format!("seed {seed}: `{}` does not read", c.expr));
            continue;
        };
        let order = appearance(&[&f.expr]);
        let n = normalise(&f.expr, &env, &order);
        let text = to_text(&n, &env, TextOptions::default());
        // Stable: the normal form of the normal form is itself.
        let again = normalise(&n, &env, &order);
        if to_text(&again, &env, TextOptions::default()) != text {
            failures.push(format!(
                "seed {seed}: not stable: {} gives {} then {}",
                c.expr,
                text,
                to_text(&again, &env, TextOptions::default())
            ));
        }
        // Its text reads back, with the same shape.
        match read_expr(&text, &env.decls_text()) {
            Ok((back, _)) if back.shape == f.shape => {}
            Ok((back, _)) => failures.push(format!(
                "seed {seed}: `{text}` reads as {} not {}",
                back.shape, f.shape
            )),
            Err(e) => failures.push(format!(
                "seed {seed}: `{text}` does not read back:\n{}",
                e.render()
            )),
        }
        // Equal values wherever the input is defined.
        for k in 0..2 {
            let Ok(p) = try_random_point(&env, &[], 40 + k, k == 1) else {
                continue;
            };
            let Ok(want) = eval(&f.expr, &p) else {
                continue;
            };
            let got = eval(&n, &p);
            match got {
                Ok(v) if rel_err(&v, &want) < 1e-6 => checked += 1,
                Ok(v) => failures.push(format!(
                    "seed {seed}: {} ≠ {} (error {:.1e})",
                    c.expr,
                    text,
                    rel_err(&v, &want)
                )),
                Err(e) => failures.push(format!("seed {seed}: {text} does not evaluate: {e}")),
            }
        }
    }
    assert!(checked > 6000, "only {checked} points compared");
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn long_sums_and_products_collapse() {
    let sum = vec!["x"; 300].join(" - ");
    let (f, env) = read_expr(&sum, "x: vector(n)").expect("reads");
    let n = normalise(&f.expr, &env, &appearance(&[&f.expr]));
    assert_eq!(to_text(&n, &env, TextOptions::default()), "-298*x");
    let product = vec!["s"; 500].join("*");
    let (f, env) = read_expr(&product, "s: scalar").expect("reads");
    let n = normalise(&f.expr, &env, &appearance(&[&f.expr]));
    assert_eq!(to_text(&n, &env, TextOptions::default()), "s^500");
}
