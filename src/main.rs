fn main() {
    let args: Vec<String> = std::env::args().collect();
    match matcalc::read_expr(&args[1], args.get(2).map(|s| s.as_str()).unwrap_or("")) {
        Ok((t, env)) => println!(
            "{} : {}  {:?}",
            t.expr,
            t.shape,
            env.vars
                .iter()
                .map(|(k, v)| format!("{k}:{}", v.shape))
                .collect::<Vec<_>>()
        ),
        Err(e) => {
            eprint!("{}", e.render());
            std::process::exit(2)
        }
    }
}
