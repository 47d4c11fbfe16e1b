pub mod generation_call;
