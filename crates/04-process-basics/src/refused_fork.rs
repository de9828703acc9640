// ANCHOR: refused_fork
use nix::unistd::fork;

// A child forked from a threaded program may do only async-signal-safe work, and no
// compiler can check that it does: `fork` is an `unsafe fn`.
let forked = fork(); // error[E0133]
// ANCHOR_END: refused_fork
