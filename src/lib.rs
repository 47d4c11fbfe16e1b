//! synthlint: a static analyzer for AI product codebases that finds the code
//! which generative-AI regulations (China's deep synthesis, generative AI and
//! labeling rules, PIPL, the EU AI Act Art. 50, California SB 942) put duties on.

pub mod analysis;
pub mod baseline;
pub mod cache;
pub mod catalog;
pub mod cli;
pub mod config;
pub mod engine;
pub mod facts;
pub mod finding;
#[doc(hidden)]
pub mod fuzzing;
pub mod git;
pub mod git_index;
pub mod implicit_label;
pub mod interned;
pub mod lang;
pub mod memory;
pub mod parts;
pub mod qname;
pub mod regulations;
pub mod report;
pub mod rules;
pub mod source;
pub mod suppress;
pub mod walk;
