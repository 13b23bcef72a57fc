//! What an engine may lack, said by its factory with the reason, so that every case it switches
//! off is listed in the summary and no skip goes unexplained.

use std::fmt;

use session_core::Backend;
#[cfg(doc)]
use session_core::Capabilities;

/// A guarantee some cases need. An engine that lacks one says so twice: in
/// [`Backend::capabilities`](session_core::Backend::capabilities) (what the middleware reads)
/// and in its factory, with [`Fixture::lacks`](crate::Fixture::lacks) and the reason (what the
/// suite reads). The two must agree, or every case that looks at it fails; what is claimed is
/// checked (see the crate docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Capability {
    /// State lives on the server ([`Capabilities::server_side`]); lacked by the cookie engines.
    ServerSide,
    /// `save` checks versions ([`Capabilities::conditional_save`]). Without it the engine cannot
    /// promise that concurrent requests lose no updates, and the summary says so loudly.
    ConditionalSave,
    /// `clear_expired` removes and counts expired records itself. Lacked by engines whose store
    /// expires records on its own ([`Capabilities::native_expiry`]): the suite then checks
    /// through the fixture's [`Probe`](crate::Probe) that expired records really disappear.
    CountedSweep,
    /// Records are stored as bytes, so corrupt bytes can be planted through
    /// [`RawAccess`](crate::RawAccess) and must load as `None` ([`Capabilities::stores_bytes`]).
    StoresBytes,
    /// `created_at` survives the store ([`Capabilities::keeps_created_at`]).
    KeepsCreatedAt,
    /// The engine calls [`Context::store_call`](session_core::Context::store_call) before each
    /// round trip, so the failure-injection cases can make its store fail at chosen points.
    /// Not in [`Capabilities`]: the suite sees whether the engine asks.
    FaultHook,
    /// An index of sessions by user ([`Backend::user_index`](session_core::Backend::user_index)):
    /// a user's sessions can be listed and revoked.
    UserIndex,
}

impl Capability {
    /// Every capability, in the order the summary lists them.
    pub const ALL: [Self; 7] = [
        Self::ServerSide,
        Self::ConditionalSave,
        Self::CountedSweep,
        Self::StoresBytes,
        Self::KeepsCreatedAt,
        Self::FaultHook,
        Self::UserIndex,
    ];

    /// The name in the summary and in `SKIP(capability)` lines.
    pub const fn name(self) -> &'static str {
        match self {
            Self::ServerSide => "server_side",
            Self::ConditionalSave => "conditional_save",
            Self::CountedSweep => "counted_sweep",
            Self::StoresBytes => "stores_bytes",
            Self::KeepsCreatedAt => "keeps_created_at",
            Self::FaultHook => "fault_hook",
            Self::UserIndex => "user_index",
        }
    }

    /// What an engine without it gives up, as the summary says it.
    pub const fn consequence(self) -> &'static str {
        match self {
            Self::ServerSide => {
                "no server state: a copy of the cookie stays valid until it expires"
            }
            Self::ConditionalSave => {
                "NO LOST-UPDATE GUARANTEE: concurrent requests on one session can overwrite each \
                 other's changes"
            }
            Self::CountedSweep => {
                "relies on the store's own expiry: clear_expired may remove nothing (checked \
                 through the probe instead)"
            }
            Self::StoresBytes => "no stored bytes: the corrupt-data cases do not apply",
            Self::KeepsCreatedAt => "SESSION_ABSOLUTE_AGE counts from the last save, not creation",
            Self::FaultHook => {
                "store failures are not injected: the failure-order cases do not run"
            }
            Self::UserIndex => {
                "a user's sessions cannot be listed, nor revoked one by one: log out everywhere \
                 else needs another way"
            }
        }
    }

    /// Whether `backend` claims it; `None` for what the backend does not say.
    pub fn claimed_by(self, backend: &dyn Backend) -> Option<bool> {
        let capabilities = backend.capabilities();
        match self {
            Self::ServerSide => Some(capabilities.server_side),
            Self::ConditionalSave => Some(capabilities.conditional_save),
            Self::CountedSweep => Some(!capabilities.native_expiry),
            Self::StoresBytes => Some(capabilities.stores_bytes),
            Self::KeepsCreatedAt => Some(capabilities.keeps_created_at),
            Self::FaultHook => None,
            Self::UserIndex => Some(backend.user_index().is_some()),
        }
    }
}

impl fmt::Display for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
