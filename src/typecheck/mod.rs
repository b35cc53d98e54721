//! Shapes of parsed expressions: sizes inferred by unification (`shape::infer`), every
//! mismatch reported with its span and the shapes involved, then lowering to the e-graph
//! language with every size resolved. Each operator's shape comes from its one rule in
//! the operator table; this module only adds what the surface language has beyond the
//! table: names, constants with inferred sizes, broadcasting and `where` definitions.

mod check;
mod messages;

use std::collections::HashMap;

use egg::{Id, RecExpr, Symbol};
use indexmap::IndexMap;

use crate::env::{Env, VarInfo, VarKind};
use crate::error::{Diagnostic, Input, Span};
use crate::lang::{Const, Math};
use crate::shape::infer::{Size, Solver};
use crate::shape::{Dim, Sh, Shape};
use crate::syntax::ast::Program;
use crate::syntax::decls::{DeclKind, Decls};

/// A type-checked expression: the e-graph form (a DAG: `where` definitions are shared)
/// and its shape.
#[derive(Debug, Clone)]
pub struct Typed {
    pub expr: RecExpr<Math>,
    pub shape: Shape,
}

/// The result of checking: the expressions, their names, and warnings (declared names
/// that no expression uses).
#[derive(Debug, Clone)]
pub struct Checked {
    pub typed: Vec<Typed>,
    pub env: Env,
    pub warnings: Vec<String>,
}

type TShape = Sh<Size>;

/// Where an undecided size equation came from, for its error.
#[derive(Debug, Clone, Copy)]
struct Tag {
    span: Span,
    input: Input,
}

/// A node before sizes are known: shaped constants still hold inference sizes.
#[derive(Debug, Clone)]
enum PNode {
    Done(Math),
    Eye(Size),
    Ones(Size, Size),
    Zero(Size, Size),
}

/// A name as the checker sees it.
#[derive(Debug, Clone)]
struct Name {
    kind: VarKind,
    shape: TShape,
    declared: bool,
    used: bool,
}

struct Checker<'a> {
    decls: &'a Decls,
    solver: Solver<Tag>,
    names: IndexMap<String, Name>,
    /// `where` definitions in scope: the node and shape of each.
    defined: HashMap<String, (Id, TShape)>,
    /// Every `where` name of the program being checked (to report use before definition).
    definitions: Vec<String>,
    /// Every name any program defined, for `Env::defined`.
    defined_anywhere: Vec<String>,
    errors: Vec<Diagnostic>,
    input: Input,
    src: String,
}

/// Checks several programs that share one set of names (one for `derive`, two for
/// `equiv`). The i-th must have the shape `shapes[i]` when one is given (a derivative
/// read against the shape it must have, so that a bare `I` gets its size).
pub fn typecheck(
    programs: &[(&Program, Input, &str)],
    decls: &Decls,
    shapes: &[Option<Shape>],
) -> Result<Checked, Vec<Diagnostic>> {
    let mut cx = Checker::new(decls);
    let mut pending = Vec::new();
    for (i, (program, input, src)) in programs.iter().enumerate() {
        cx.input = *input;
        cx.src = src.to_string();
        cx.solver.tag = Tag {
            span: program.body.span,
            input: *input,
        };
        let mut nodes = Vec::new();
        let (_, shape) = cx.program(program, &mut nodes);
        if let Some(Some(want)) = shapes.get(i) {
            let rows = cx.solver.unify(&shape.rows, &Size::known(want.rows));
            let cols = cx.solver.unify(&shape.cols, &Size::known(want.cols));
            if !(rows && cols) {
                let have = cx.show(&shape);
                cx.solver.take_violations();
                cx.error(
                    format!("this has shape {have}, but {want} is wanted here"),
                    program.body.span,
                );
            }
        }
        pending.push((nodes, shape));
    }
    cx.finish();
    if !cx.errors.is_empty() {
        return Err(cx.errors);
    }
    let warnings = cx.warnings();
    let env = cx.env();
    let typed = pending
        .into_iter()
        .map(|(nodes, shape)| Typed {
            expr: RecExpr::from(nodes.into_iter().map(|n| cx.lower(n)).collect::<Vec<_>>()),
            shape: cx.shape(&shape),
        })
        .collect();
    Ok(Checked {
        typed,
        env,
        warnings,
    })
}

impl<'a> Checker<'a> {
    fn new(decls: &'a Decls) -> Checker<'a> {
        let mut cx = Checker {
            decls,
            solver: Solver::new(Tag {
                span: Span::default(),
                input: Input::Expr,
            }),
            names: IndexMap::new(),
            defined: HashMap::new(),
            definitions: Vec::new(),
            defined_anywhere: Vec::new(),
            errors: Vec::new(),
            input: Input::Expr,
            src: String::new(),
        };
        // Declared names first, in their order, so that `show` lists them as declared.
        for (name, decl) in decls {
            let (kind, shape) = cx.declared_shape(name, &decl.kind);
            cx.names.insert(
                name.clone(),
                Name {
                    kind,
                    shape,
                    declared: true,
                    used: false,
                },
            );
        }
        cx
    }

    fn size_or_fresh(&mut self, d: &Option<String>, name: &str) -> Size {
        match d {
            Some(d) => Size::known(Dim::new(d)),
            None => self.solver.fresh_not_one(name),
        }
    }

    fn declared_shape(&mut self, name: &str, kind: &DeclKind) -> (VarKind, TShape) {
        let one = Size::one();
        match kind {
            DeclKind::Scalar => (VarKind::Scalar, Sh::new(one.clone(), one)),
            DeclKind::Vector(n) => (VarKind::Vector, Sh::new(self.size_or_fresh(n, name), one)),
            DeclKind::Simplex(n) => (VarKind::Simplex, Sh::new(self.size_or_fresh(n, name), one)),
            DeclKind::Symmetric(n) => {
                let t = self.size_or_fresh(n, name);
                (VarKind::Symmetric, Sh::new(t.clone(), t))
            }
            DeclKind::Matrix(d) => {
                let (r, c) = match d {
                    Some((r, c)) => (Some(r.clone()), Some(c.clone())),
                    None => (None, None),
                };
                (
                    VarKind::Matrix,
                    Sh::new(self.size_or_fresh(&r, name), self.size_or_fresh(&c, name)),
                )
            }
        }
    }

    /// The shape of a variable, declaring it by its initial on first use (SPEC §1: a
    /// capital is a matrix, a lower-case initial a vector; neither may have size 1).
    fn name_shape(&mut self, name: &str) -> TShape {
        if let Some(n) = self.names.get_mut(name) {
            n.used = true;
            return n.shape.clone();
        }
        let upper = name.chars().next().is_some_and(|c| c.is_ascii_uppercase());
        let (kind, shape) = if upper {
            let r = self.solver.fresh_not_one(name);
            let c = self.solver.fresh_not_one(name);
            (VarKind::Matrix, Sh::new(r, c))
        } else {
            (
                VarKind::Vector,
                Sh::new(self.solver.fresh_not_one(name), Size::one()),
            )
        };
        self.names.insert(
            name.to_string(),
            Name {
                kind,
                shape: shape.clone(),
                declared: false,
                used: true,
            },
        );
        shape
    }

    fn error(&mut self, message: String, span: Span) -> TShape {
        let d = Diagnostic::new(message, span).in_input(self.input);
        self.errors.push(d);
        // A fresh shape unifies with anything, so one mistake is reported once.
        Sh::new(self.solver.fresh(), self.solver.fresh())
    }

    fn error_with_notes(&mut self, message: String, span: Span, notes: Vec<String>) -> TShape {
        let mut d = Diagnostic::new(message, span).in_input(self.input);
        d.notes = notes;
        self.errors.push(d);
        Sh::new(self.solver.fresh(), self.solver.fresh())
    }

    fn show(&self, s: &TShape) -> String {
        format!(
            "{}×{}",
            self.solver.show(&s.rows),
            self.solver.show(&s.cols)
        )
    }

    fn is_scalar(&self, s: &TShape) -> bool {
        self.solver.walk(&s.rows).is_one() && self.solver.walk(&s.cols).is_one()
    }

    /// Decides what is left: pending size equations, names whose size collapsed to 1,
    /// and names for every size still unknown.
    fn finish(&mut self) {
        let (failed, open) = self.solver.settle();
        for (tag, a, b) in failed.into_iter().chain(open) {
            let d = Diagnostic::new(format!("cannot infer sizes here: {a} must equal {b}"), tag.span)
                .in_input(tag.input)
                .with_note("a size of a `kron`, `vec` or product size is not inferred from the result alone: declare it");
            if !self.errors.contains(&d) {
                self.errors.push(d);
            }
        }
        if self.errors.is_empty() {
            for v in self.solver.collapsed() {
                let note = messages::violation_note(&self.names_kind(&v.name), &v.name);
                self.errors.push(
                    Diagnostic::new(
                        format!("`{}` would have size 1 here", v.name),
                        Span::default(),
                    )
                    .in_input(Input::Expr)
                    .with_note(note),
                );
            }
        }
        self.name_free_sizes();
    }

    fn names_kind(&self, name: &str) -> Option<VarKind> {
        self.names.get(name).map(|n| n.kind)
    }

    /// Names every still-unknown size, in order of creation, avoiding names in use.
    fn name_free_sizes(&mut self) {
        let mut used: Vec<String> = Vec::new();
        for d in self.decls.values() {
            let sizes: Vec<&String> = match &d.kind {
                DeclKind::Vector(Some(n))
                | DeclKind::Symmetric(Some(n))
                | DeclKind::Simplex(Some(n)) => vec![n],
                DeclKind::Matrix(Some((r, c))) => vec![r, c],
                _ => vec![],
            };
            for s in sizes {
                used.extend(Dim::new(s).factors().into_iter().map(str::to_string));
            }
        }
        used.extend(self.names.keys().cloned());
        let pool = [
            "n", "m", "p", "q", "r", "k", "l", "h", "s", "t", "u", "v", "w",
        ];
        let mut next = 0;
        for v in self.solver.unbound() {
            let name = loop {
                let candidate = match pool.get(next) {
                    Some(p) => p.to_string(),
                    None => format!("d{}", next - pool.len() + 1),
                };
                next += 1;
                if !used.contains(&candidate) {
                    break candidate;
                }
            };
            self.solver.name(v, Dim::new(&name));
        }
    }

    fn warnings(&self) -> Vec<String> {
        self.names
            .iter()
            .filter(|(_, n)| n.declared && !n.used)
            .map(|(name, _)| format!("`{name}` is declared but not used"))
            .collect()
    }

    fn shape(&self, s: &TShape) -> Shape {
        Shape::new(self.solver.resolve(&s.rows), self.solver.resolve(&s.cols))
    }

    fn lower(&self, n: PNode) -> Math {
        let d = |s: &Size| self.solver.resolve(s);
        match n {
            PNode::Done(m) => m,
            PNode::Eye(t) if d(&t).is_one() => Math::num(1.0),
            PNode::Eye(t) => Math::Const(Const::Eye(d(&t))),
            PNode::Ones(r, c) => {
                let (r, c) = (d(&r), d(&c));
                if r.is_one() && c.is_one() {
                    Math::num(1.0)
                } else {
                    Math::Const(Const::Ones(r, c))
                }
            }
            PNode::Zero(r, c) => Math::zero(Shape::new(d(&r), d(&c))),
        }
    }

    fn env(&self) -> Env {
        let mut env = Env::default();
        for (name, n) in &self.names {
            env.vars.insert(
                Symbol::from(name.as_str()),
                VarInfo {
                    kind: n.kind,
                    shape: self.shape(&n.shape),
                    declared: n.declared,
                },
            );
        }
        env.defined = self
            .defined_anywhere
            .iter()
            .map(|n| Symbol::from(n.as_str()))
            .collect();
        env
    }
}
