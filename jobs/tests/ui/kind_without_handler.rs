// A runtime with a handler for every job kind but `Probe`: running any job on it does
// not build, and the error names the kind without a handler.

use jobs::catalogue::*;
use jobs::{AnyJob, Envelope, Handle, Handled};

struct Runtime;

macro_rules! handled {
    ($($ty:ident),*) => {$(
        impl Handle<Runtime> for $ty {
            fn handle<'a>(self, _: &'a Runtime, _: &'a Envelope) -> Handled<'a> {
                Box::pin(async { Ok(()) })
            }
        }
    )*};
}

handled!(
    CollectResults,
    CollectFixtures,
    ScrapeFootballData,
    ScrapePage,
    ScrapeBetfair,
    ProcessSnapshot,
    RunInference,
    NotifyValueBet,
    SettleBets,
    TrainModel,
    Maintenance
);

fn run<'a>(job: AnyJob, envelope: &'a Envelope) -> Handled<'a> {
    job.handle(&Runtime, envelope)
}

fn main() {}
