//! What the compiler refuses: every such claim of the chapter, checked.
//!
//! Each snippet lives in a file of its own beside this one, so that the chapter can
//! show it. Here it is a `compile_fail` doctest naming its error code. Stable rustdoc
//! only checks that it fails, not why, so `tests/refused.rs` compiles each one with
//! `rustc` and checks the error's code and message: CI notices if a claim stops being
//! true, or stays true for another reason.
//!
//! # A plain `f32` that a worker writes while the main thread reads it (E0502)
//!
//! The worker's closure holds an exclusive borrow (`&mut`) of `progress` for as long as
//! the thread may run, so no one else may even read it:
//!
//! ```compile_fail,E0502
#![doc = include_str!("plain_f32.rs")]
//! ```
//!
//! # A getter called while a `&mut self` method runs (E0502)
//!
//! The tutorial's class with a plain field: to write it, `task` takes `&mut self`, and
//! while a worker runs it, the getter cannot borrow the object:
//!
//! ```compile_fail,E0502
#![doc = include_str!("mut_getter.rs")]
//! ```
//!
//! # Writing a plain field through `&self` (E0594)
//!
//! The other way round, `task(&self)` cannot write a plain field:
//!
//! ```compile_fail,E0594
#![doc = include_str!("assign_through_ref.rs")]
//! ```
//!
//! # `thread::spawn` borrowing a local (E0373)
//!
//! A spawned thread may outlive the function that started it, so its closure may not
//! borrow that function's locals; `thread::scope` or an `Arc` is the way out:
//!
//! ```compile_fail,E0373
#![doc = include_str!("spawn_borrow.rs")]
//! ```
//!
//! # An `Rc` sent to another thread (E0277)
//!
//! `Rc` counts its clones with plain integers, so it is not `Send`; `Arc` is the
//! thread-safe one:
//!
//! ```compile_fail,E0277
#![doc = include_str!("rc_not_send.rs")]
//! ```
