//! The shell: parse (`parser`), expand (`expand`), run (`exec`).

pub mod arith;
pub mod ast;
pub mod brace;
pub mod builtins;
pub mod exec;
pub mod expand;
pub mod io;
pub mod parser;
pub mod pattern;
