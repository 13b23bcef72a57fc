//! The contract violations, one per broken engine.

/// Declares [`Flaw`] with the doc of each variant, and its names.
macro_rules! flaws {
    ($($(#[doc = $doc:literal])* $name:ident,)*) => {
        /// One violation of the contract.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub(crate) enum Flaw {
            $($(#[doc = $doc])* $name,)*
        }

        impl Flaw {
            /// Every flaw.
            pub(crate) const ALL: &[Flaw] = &[$(Flaw::$name),*];

            /// The name in the table of the crate docs.
            pub(crate) const fn name(self) -> &'static str {
                match self {
                    $(Flaw::$name => stringify!($name),)*
                }
            }
        }
    };
}

flaws! {
    /// `load` returns a record past its deadline.
    LoadIgnoresExpiry,
    /// `load` counts a record live at its deadline (`<=` for `<`).
    LiveAtTheDeadline,
    /// `load` of undecodable bytes is an error instead of `None`.
    LoadFailsOnCorruptData,
    /// `load` of a missing key stores an empty session there.
    LoadCreatesMissing,
    /// `create` overwrites whatever the drawn key holds.
    CreateOverwritesTakenKey,
    /// `create` overwrites an expired record not yet cleared.
    CreateOverwritesExpired,
    /// `create` checks the key is free, then inserts, in two steps.
    CreateChecksThenInserts,
    /// `create` gives up after 3 taken keys.
    CreateGivesUpEarly,
    /// `create` never gives up.
    CreateNeverGivesUp,
    /// `create` stores under a drawn key outside the syntax.
    CreateTakesBadKeys,
    /// `create` hides a failing generator by drawing again.
    CreateHidesGeneratorFailure,
    /// `create` returns the record's own version, not the one it stored.
    CreateReturnsRecordVersion,
    /// `save` never compares versions.
    SaveIgnoresVersion,
    /// `save` compares the version, then writes, in two steps.
    SaveChecksThenWrites,
    /// `save` of a missing key stores it.
    SaveUpserts,
    /// `save` of an expired record stores it.
    SaveRevivesExpired,
    /// `save` stores the version it found, not a new one.
    SaveKeepsVersion,
    /// `save` stores a deadline a minute later than the record's.
    SaveExtendsDeadline,
    /// `save` stamps `created_at` anew.
    SaveResetsCreatedAt,
    /// `touch` answers success and moves nothing.
    TouchDoesNothing,
    /// `touch` moves an expired record back to life.
    TouchRevivesExpired,
    /// `touch` stores a new version.
    TouchChangesVersion,
    /// `cycle` deletes the old key, then creates the new one.
    CycleDeletesFirst,
    /// `cycle` of a dead key leaves its new record behind.
    CycleLeavesOrphan,
    /// `cycle` never deletes the old key.
    CycleKeepsOldKey,
    /// `cycle` creates and deletes the old key, ignoring that the delete found nothing.
    CycleIgnoresALostRace,
    /// `delete` always answers true.
    DeleteAlwaysTrue,
    /// `delete` answers false for an expired record it removed.
    DeleteDeniesExpired,
    /// `exists` ignores the deadline.
    ExistsIgnoresExpiry,
    /// `clear_expired` removes live records too.
    SweepRemovesLive,
    /// `clear_expired` answers 0 whatever it removed.
    SweepMiscounts,
    /// Claims native expiry (its factory declares it) but never frees anything.
    ClaimsNativeExpiry,
    /// `capabilities` says there are no conditional saves, and the factory does not declare it.
    HidesALackedCapability,
    /// A store failure on `load` reads as no session.
    StoreFailureReadsAsNoSession,
    /// A key outside the syntax panics.
    PanicsOnForeignKeys,
}
