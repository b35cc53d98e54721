//! What the names of an expression are: kind and shape, after inference.

use indexmap::IndexMap;

use egg::Symbol;

use crate::shape::Shape;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VarKind {
    Scalar,
    Vector,
    Matrix,
    /// A square matrix with `S' = S`.
    Symmetric,
    /// A vector of positive entries that sum to 1.
    Simplex,
}

impl VarKind {
    pub fn name(self) -> &'static str {
        match self {
            VarKind::Scalar => "scalar",
            VarKind::Vector => "vector",
            VarKind::Matrix => "matrix",
            VarKind::Symmetric => "symmetric",
            VarKind::Simplex => "simplex",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VarInfo {
    pub kind: VarKind,
    pub shape: Shape,
    /// Whether `--let` declared it (otherwise the capital/lower-case convention did).
    pub declared: bool,
}

/// Every name's kind and shape, in order of first declaration or use.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Env {
    pub vars: IndexMap<Symbol, VarInfo>,
    /// Names the input defined with `where`: printed output names its own shared
    /// subterms around them, so that `h1` never means two things on one screen.
    pub defined: Vec<Symbol>,
}

impl Env {
    pub fn shape(&self, name: Symbol) -> Option<Shape> {
        self.vars.get(&name).map(|v| v.shape)
    }
    pub fn kind(&self, name: Symbol) -> Option<VarKind> {
        self.vars.get(&name).map(|v| v.kind)
    }
    /// Whether printed output may not use `name` for a shared subterm.
    pub fn is_taken(&self, name: Symbol) -> bool {
        self.vars.contains_key(&name) || self.defined.contains(&name)
    }
    pub fn is_symmetric(&self, name: Symbol) -> bool {
        self.kind(name) == Some(VarKind::Symmetric)
    }
    pub fn is_simplex(&self, name: Symbol) -> bool {
        self.kind(name) == Some(VarKind::Simplex)
    }
    /// The same names with the symmetric ones among `names` unconstrained matrices.
    pub fn unconstrained(&self, names: &[Symbol]) -> Env {
        let mut e = self.clone();
        for n in names {
            if let Some(v) = e.vars.get_mut(n) {
                if v.kind == VarKind::Symmetric {
                    v.kind = VarKind::Matrix;
                }
            }
        }
        e
    }
    /// The names as `--let` declarations, so that printed text reads back the same.
    pub fn decls_text(&self) -> String {
        let decls: Vec<String> = self
            .vars
            .iter()
            .map(|(name, v)| {
                let (r, c) = (v.shape.rows, v.shape.cols);
                match v.kind {
                    VarKind::Scalar => format!("{name}: scalar"),
                    VarKind::Vector => format!("{name}: vector({r})"),
                    VarKind::Simplex => format!("{name}: simplex({r})"),
                    VarKind::Symmetric => format!("{name}: symmetric({r})"),
                    VarKind::Matrix => format!("{name}: matrix({r},{c})"),
                }
            })
            .collect();
        decls.join("; ")
    }

    /// Every size symbol that some variable's shape uses, each with one place it can be
    /// read from (`(variable, axis)`), for printers that must name sizes.
    pub fn dim_sources(&self) -> IndexMap<String, (Symbol, usize)> {
        let mut out = IndexMap::new();
        for (name, info) in &self.vars {
            for (axis, dim) in [info.shape.rows, info.shape.cols].into_iter().enumerate() {
                if !dim.is_one() {
                    out.entry(dim.as_str().to_string()).or_insert((*name, axis));
                }
            }
        }
        out
    }
}
