pub mod safety_checker_disabled;
