pub mod generation_call;
pub mod generation_endpoint;
