//! Background tasks across machines, on NATS JetStream: a work-queue
//! stream holds the tasks to run, a KV bucket their state, an object store
//! the repository snapshots, checkpoints and results, and plain subjects
//! carry live events. The submitting side (`submit`, `remote`) and the
//! worker (`worker`) share the names and records defined here; the task
//! itself runs in `tandem-core`'s task runner, as local tasks do.

pub mod bundle;
pub mod checkpoint;
pub mod connect;
pub mod events;
pub mod names;
mod objects;
pub mod record;
pub mod remote;
pub mod secrets;
pub mod submit;
pub mod worker;

pub use connect::Fleet;
pub use record::RemoteTask;
