// Registers a user and answers like an HTTP API: {statusCode, body}.
// Registered users are kept in a JSON file (USERS_FILE, default in the temp
// directory) so every warm or replaced process sees them.
const fs = require("fs");
const os = require("os");
const path = require("path");
const crypto = require("crypto");

const USERS_FILE =
  process.env.USERS_FILE || path.join(os.tmpdir(), "stepwell-registration", "users.json");

function load() {
  try {
    return JSON.parse(fs.readFileSync(USERS_FILE, "utf8"));
  } catch {
    return { users: {}, busy: {} };
  }
}

function save(db) {
  fs.mkdirSync(path.dirname(USERS_FILE), { recursive: true });
  fs.writeFileSync(USERS_FILE, JSON.stringify(db));
}

exports.handler = async (event) => {
  const email = String(event.email ?? "").trim().toLowerCase();
  if (!/^[^@\s]+@[^@\s]+$/.test(email)) {
    return { statusCode: 400, body: { message: `not an email address: '${email}'` } };
  }
  const db = load();
  // A demo knob: the service is "busy" for the first `busyTimes` calls per
  // address, so the state's Retry (with full jitter) has work to do.
  const busy = db.busy[email] ?? 0;
  if (busy < (event.busyTimes ?? 0)) {
    db.busy[email] = busy + 1;
    save(db);
    const error = new Error(`the registration service is busy (call ${busy + 1})`);
    error.name = "RegistrationServiceBusy";
    throw error;
  }
  if (db.users[email]) {
    return { statusCode: 409, body: { message: `${email} is already registered` } };
  }
  const userId = `u-${crypto.randomUUID().slice(0, 8)}`;
  db.users[email] = { userId, name: event.name };
  save(db);
  return { statusCode: 200, body: { userId } };
};
