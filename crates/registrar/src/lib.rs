//! rotary-registrar (in progress)
