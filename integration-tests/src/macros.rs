//! `conformance_tests!`: one `#[tokio::test]` per case.

/// Expands to one `#[tokio::test]` per conformance case, each building its backend with
/// `$factory` (an `FnOnce(TestContext) -> impl Future<Output = Result<Fixture, Unavailable>>`).
///
/// Call it inside a module of its own per engine; the test names are the case names. Needs
/// `session-conformance` as a (dev-)dependency under that name; no tokio dependency of your own.
///
/// ```
/// use session_conformance::{Fixture, ReferenceBackend, TestContext, Unavailable};
///
/// async fn reference(ctx: TestContext) -> Result<Fixture, Unavailable> {
///     let backend = ReferenceBackend::new(ctx.context());
///     Ok(Fixture::new(backend.clone())
///         .with_raw(backend.clone())
///         .with_probe(backend))
/// }
///
/// session_conformance::conformance_tests!(reference);
/// # fn main() {}
/// ```
#[macro_export]
macro_rules! conformance_tests {
    ($factory:expr $(,)?) => {
        $crate::__with_cases! { $crate::__conformance_cases; $factory }
    };
}

/// Calls `$callback! { $args; module::case, … }` with every case: the one list of cases.
#[doc(hidden)]
#[macro_export]
macro_rules! __with_cases {
    ($($callback:ident)::+; $($args:tt)*) => {
        $($callback)::+! {
            $($args)*;
            claims::capabilities_are_declared,
            claims::expired_records_are_freed,
            claims::touch_keeps_the_version,
            claims::create_returns_the_version_it_stored,
            claims::save_never_extends_the_deadline,
            collisions::expired_records_not_yet_cleared_still_collide,
            collisions::concurrent_creates_forced_onto_one_key,
            collisions::create_tries_the_attempt_limit_then_gives_up,
            keys::create_refuses_a_drawn_key_outside_the_syntax,
            faults::failed_key_generator_fails_create_and_cycle_cleanly,
            faults::failed_store_calls_are_backend_errors,
            faults::failed_cycle_keeps_the_old_key,
            faults::failed_save_never_loses_the_session,
            concurrency::racing_saves_exactly_one_wins,
            concurrency::many_writers_racing_saves_exactly_one_wins,
            concurrency::racing_delete_and_save_never_resurrects,
            concurrency::concurrent_requests_keep_both_changes,
            concurrency::concurrent_cart_updates_all_land,
            concurrency::logout_race_never_resurrects_through_merge,
            contract::load_unknown_key_is_none,
            contract::create_then_load_round_trips,
            contract::create_never_overwrites,
            contract::create_retries_until_a_key_is_free,
            contract::parallel_creates_get_distinct_keys,
            contract::save_replaces_and_changes_version,
            contract::save_of_stale_version_is_conflict,
            contract::save_of_missing_key_is_gone,
            contract::save_after_delete_is_gone,
            contract::save_after_expiry_is_gone,
            contract::touch_moves_expiry,
            contract::touch_extends_life,
            contract::touch_can_shorten,
            contract::touch_of_missing_or_expired_is_gone,
            cycle::cycle_keeps_data_and_kills_old_key,
            cycle::cycle_never_takes_a_live_key,
            cycle::cycle_of_a_dead_key_is_gone_and_leaves_nothing,
            cycle::concurrent_cycles_of_one_key_leave_one_session,
            contract::delete_is_idempotent_and_targeted,
            contract::exists_tracks_liveness,
            contract::expiry_boundary_is_exact,
            contract::expired_record_is_unreachable,
            contract::clear_expired_removes_only_expired,
            contract::clear_expired_keeps_live_records,
            keys::hostile_keys_are_refused_safely,
            contract::save_keeps_created_at,
            contract::every_expiry_kind_round_trips,
            expiry::default_expiry_is_cookie_age,
            expiry::custom_expiry_seconds,
            expiry::custom_expiry_timedelta,
            expiry::custom_expiry_datetime,
            expiry::custom_expiry_reset,
            expiry::expire_at_browser_close_matrix,
            expiry::actual_expiry,
            expiry::idle_expiry_counts_from_last_save,
            expiry::touch_renews_idle_expiry,
            expiry::absolute_age_caps_an_active_session,
            expiry::absolute_age_survives_cycle_key,
            expiry::browser_close_keeps_server_record_for_cookie_age,
            lifecycle::save_stores_the_session,
            lifecycle::delete_removes_the_session,
            lifecycle::flush_deletes_and_forgets_the_key,
            lifecycle::cycle_key_keeps_items,
            lifecycle::cycle_key_of_unread_session_keeps_data,
            lifecycle::cycle_key_of_new_session_stores_it,
            lifecycle::save_keeps_the_data_readable,
            lifecycle::unknown_key_saves_under_a_new_key,
            lifecycle::load_of_unknown_key_creates_nothing,
            lifecycle::save_after_logout_elsewhere_is_gone,
            lifecycle::emptied_session_is_still_saved,
            payload::large_payload_round_trips,
            payload::unicode_round_trips_in_order,
            payload::many_keys_keep_insertion_order,
            payload::every_json_type_round_trips,
            payload::corrupt_data_loads_as_none,
            session_api::new_session_is_untouched,
            session_api::get_of_missing_key_is_none,
            session_api::insert_marks_modified,
            session_api::pop_returns_and_removes,
            session_api::pop_of_missing_key_does_not_modify,
            session_api::pop_of_missing_key_leaves_data,
            session_api::setdefault_stores_once,
            session_api::update_marks_modified,
            session_api::contains_key_only_reads,
            session_api::values_only_read,
            session_api::keys_only_read,
            session_api::items_only_read,
            session_api::clear_empties_and_marks,
            session_api::test_cookie_helpers,
            session_api::is_empty_does_not_load,
            session_api::short_cookie_is_no_key,
            session_api::eight_character_cookie_is_a_key,
            session_api::reserved_keys_are_guarded,
            session_api::modify_reads_and_writes_one_value,
            users::user_sessions_are_listed_for_their_owner_only,
            users::a_revoked_session_never_loads_again,
            users::log_out_everywhere_else_keeps_only_this_session,
            users::the_index_follows_cycle_and_flush,
            users::expired_sessions_are_never_listed,
        }
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __conformance_cases {
    ($factory:expr; $($module:ident :: $case:ident),* $(,)?) => {
        static CONFORMANCE_TALLY: $crate::Tally = $crate::Tally::new(
            concat!(module_path!(), " (", stringify!($factory), ")"),
            [$(stringify!($case)),*].len(),
        );
        $(
            #[$crate::__private::tokio::test(
                crate = "session_conformance::__private::tokio",
                flavor = "multi_thread",
                worker_threads = 2
            )]
            async fn $case() {
                CONFORMANCE_TALLY
                    .run(stringify!($case), $factory, $crate::cases::$module::$case)
                    .await;
            }
        )*
    };
}

/// The names of the cases, as `module::case`.
#[doc(hidden)]
#[macro_export]
macro_rules! __case_names {
    (; $($module:ident :: $case:ident),* $(,)?) => {
        &[$(concat!(stringify!($module), "::", stringify!($case))),*]
    };
}

/// The cases as `(name, Case)` values.
#[doc(hidden)]
#[macro_export]
macro_rules! __case_fns {
    (; $($module:ident :: $case:ident),* $(,)?) => {
        vec![$((
            stringify!($case),
            (|ctx, fixture| {
                Box::pin($crate::cases::$module::$case(ctx, fixture)) as $crate::suite::CaseFuture
            }) as $crate::suite::Case,
        )),*]
    };
}
