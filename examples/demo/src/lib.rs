//! The demo site: one page showing the visitor's session, forms for everything a session does,
//! and `/session.json`. `cargo run -p demo`, then open <http://127.0.0.1:8000>.

use axum::extract::Form;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;
use session_kit::core::error_chain;
use session_kit::{Error, Expiry, Session, SessionLayer, status_for};

/// Where the cart lives in the session.
const CART: &str = "cart";
/// Where the logged-in user's name lives.
const USER: &str = "user";

/// The routes, behind `layer`; `engine` is shown on the page.
pub fn app(layer: SessionLayer, engine: &'static str) -> Router {
    Router::new()
        .route("/", get(move |session: Session| home(session, engine)))
        .route("/cart", post(add_to_cart))
        .route("/cart/remove", post(remove_from_cart))
        .route("/login", post(login))
        .route("/logout", post(logout))
        .route("/expiry", post(set_expiry))
        .route("/session.json", get(session_json))
        .layer(layer)
}

/// A session error as a response, with the status [`status_for`] gives it: the client's
/// mistakes (an expiry out of range) are a 400 that says what is wrong; a store that is down is
/// a 503, and the server's own failures a 500, both logged (the middleware logs and answers
/// the errors of its own save step).
fn failure(err: &Error) -> Response {
    let status = status_for(err);
    if status.is_client_error() {
        tracing::info!(error = %err, "request refused");
        return (status, err.to_string()).into_response();
    }
    tracing::error!(error = %error_chain(err), "session operation failed");
    let body = if status == axum::http::StatusCode::SERVICE_UNAVAILABLE {
        "session store unavailable; try again later"
    } else {
        "internal error"
    };
    (status, body).into_response()
}

fn back() -> Response {
    Redirect::to("/").into_response() // 303 See Other
}

#[derive(Deserialize)]
struct Item {
    item: String,
}

async fn add_to_cart(session: Session, Form(form): Form<Item>) -> Response {
    let item = form.item.trim().to_owned();
    if item.is_empty() {
        return back();
    }
    let added = session
        .modify(CART, move |cart: Option<Vec<String>>| {
            let mut cart = cart.unwrap_or_default();
            cart.push(item.clone());
            cart
        })
        .await;
    added.map_or_else(|err| failure(&err), |_| back())
}

async fn remove_from_cart(session: Session, Form(form): Form<Item>) -> Response {
    let removed = session
        .modify(CART, move |cart: Option<Vec<String>>| {
            let mut cart = cart.unwrap_or_default();
            if let Some(at) = cart.iter().position(|i| *i == form.item) {
                cart.remove(at);
            }
            cart
        })
        .await;
    removed.map_or_else(|err| failure(&err), |_| back())
}

#[derive(Deserialize)]
struct Login {
    username: String,
}

/// Login: a new key (session fixation defence), the cart kept, the user stored.
async fn login(session: Session, Form(form): Form<Login>) -> Response {
    let name = form.username.trim().to_owned();
    if name.is_empty() {
        return back();
    }
    let result = async {
        session.cycle_key().await?;
        session.insert(USER, name).await
    }
    .await;
    result.map_or_else(|err| failure(&err), |()| back())
}

/// Logout: Django's `flush`: the record is deleted and the cookie with it.
async fn logout(session: Session) -> Response {
    session
        .flush()
        .await
        .map_or_else(|err| failure(&err), |()| back())
}

#[derive(Deserialize)]
struct ExpiryForm {
    expiry: String,
}

async fn set_expiry(session: Session, Form(form): Form<ExpiryForm>) -> Response {
    let expiry = match form.expiry.trim() {
        "default" | "" => Expiry::Default,
        seconds => match seconds.parse::<i64>() {
            Ok(seconds) => Expiry::seconds(seconds),
            Err(_) => {
                return (
                    axum::http::StatusCode::BAD_REQUEST,
                    "expiry: default, 0, or seconds",
                )
                    .into_response();
            }
        },
    };
    session
        .set_expiry(expiry)
        .await
        .map_or_else(|err| failure(&err), |()| back())
}

/// The session as JSON; reading marks it accessed, not modified.
async fn session_json(session: Session) -> Response {
    let result = async {
        let data = session.data().await?;
        Ok::<_, Error>(json!({
            "session": *data,
            "expiry_age": session.get_expiry_age().await?,
            "expiry_date": session_kit::core::datetime::format_iso(session.get_expiry_date().await?),
            "expire_at_browser_close": session.get_expire_at_browser_close().await?,
        }))
    }
    .await;
    result.map_or_else(|err| failure(&err), |body| Json(body).into_response())
}

async fn home(session: Session, engine: &'static str) -> Response {
    let result = async {
        let cart: Vec<String> = session.get(CART).await?.unwrap_or_default();
        let user: Option<String> = session.get(USER).await?;
        let items = session.items().await?;
        let age = session.get_expiry_age().await?;
        let date = session_kit::core::datetime::format_iso(session.get_expiry_date().await?);
        let at_close = session.get_expire_at_browser_close().await?;
        Ok::<_, Error>(page(
            engine,
            &cart,
            user.as_deref(),
            &items,
            age,
            &date,
            at_close,
        ))
    }
    .await;
    result.map_or_else(|err| failure(&err), |html| Html(html).into_response())
}

fn page(
    engine: &str,
    cart: &[String],
    user: Option<&str>,
    items: &[(String, serde_json::Value)],
    age: i64,
    date: &str,
    at_close: bool,
) -> String {
    let cart_rows: String = if cart.is_empty() {
        "<li><em>empty</em></li>".to_owned()
    } else {
        cart.iter()
            .map(|item| {
                let item = escape(item);
                format!(
                    "<li>{item} <form method=post action=/cart/remove style=display:inline>\
                     <input type=hidden name=item value=\"{item}\"><button>remove</button></form></li>"
                )
            })
            .collect()
    };
    let contents: String = items
        .iter()
        .map(|(k, v)| {
            format!(
                "<tr><td><code>{}</code></td><td><code>{}</code></td></tr>",
                escape(k),
                escape(&v.to_string())
            )
        })
        .collect();
    let who = match user {
        Some(user) => format!(
            "Logged in as <strong>{}</strong>. <form method=post action=/logout style=display:inline><button>Log out</button></form>",
            escape(user)
        ),
        None => "Anonymous. <form method=post action=/login style=display:inline>\
                 <input name=username placeholder=username required> <button>Log in</button></form>"
            .to_owned(),
    };
    format!(
        "<!doctype html><html><head><meta charset=utf-8><title>sessions demo</title>\
         <style>body{{font-family:sans-serif;max-width:48em;margin:2em auto}}td{{padding:.2em .6em;border-bottom:1px solid #ddd}}</style></head><body>\
         <h1>sessions demo</h1><p>Engine: <strong>{engine}</strong></p>\
         <h2>User</h2><p>{who}</p>\
         <h2>Cart</h2><ul>{cart_rows}</ul>\
         <form method=post action=/cart><input name=item placeholder=item required> <button>Add to cart</button></form>\
         <h2>Expiry</h2><p>Expires in {age} s, at {date}; browser-close cookie: {at_close}.</p>\
         <form method=post action=/expiry><select name=expiry><option value=default>default (SESSION_COOKIE_AGE)</option>\
         <option value=0>0: at browser close</option><option value=60>60 s idle</option><option value=3600>1 h idle</option></select> \
         <button>Set expiry</button></form>\
         <h2>Session contents</h2><table>{contents}</table>\
         <p><a href=/session.json>/session.json</a></p></body></html>"
    )
}

/// HTML-escapes text for element content and quoted attributes.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
