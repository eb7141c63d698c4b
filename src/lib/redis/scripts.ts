// The Lua scripts of the Redis driver, as text: another language than the driver's, kept in
// one place, and each one atomic on one session hash (one hash slot), in Cluster too. Their
// field names are the hash layout of ./hash.ts; ./eval.ts sends them.

// Lua's unpack() has a stack limit of a few thousand values: long argument lists go in chunks.
const LUA_CHUNK = 1000

// Each script touches one session hash (KEYS[1]); values arrive and leave as opaque strings.
// ARGV[1] is the caller's `now` wherever expiry matters.

// Same chunked HSET/HDEL for every script that writes fields.
const WRITE_FIELDS = `
local function fields(cmd, key, from, to)
  local i = from
  while i <= to do
    local j = math.min(i + ${LUA_CHUNK - 1}, to)
    redis.call(cmd, key, unpack(ARGV, i, j))
    i = j + 1
  end
end`

/** A script that writes fields: `body` after the chunked writer it calls. */
function writingFields(body: string): string {
  return WRITE_FIELDS + body
}

/** ARGV: now, pexpireat, field/value pairs. 1 when created; 0 when a live record has the id. */
export const CREATE: string = writingFields(`
local e = tonumber(redis.call('HGET', KEYS[1], 'expires'))
if e ~= nil and e > tonumber(ARGV[1]) then return 0 end
redis.call('DEL', KEYS[1])
fields('HSET', KEYS[1], 3, #ARGV)
redis.call('PEXPIREAT', KEYS[1], ARGV[2])
return 1`)

/**
 * ARGV: now, expected version or '', lastSeenAt, expiresAt, pexpireat, user mode ('k'eep,
 * 'd'elete, 's'et), user, meta mode, meta JSON, count of fields to delete, those fields, then
 * field/value pairs to set. {0} missing, {1, version} updated, {2, version} conflict.
 */
export const UPDATE: string = writingFields(`
local h = redis.call('HMGET', KEYS[1], 'version', 'expires')
local version = tonumber(h[1])
local expires = tonumber(h[2])
if version == nil or expires == nil or expires <= tonumber(ARGV[1]) then return {0} end
if ARGV[2] ~= '' and tonumber(ARGV[2]) ~= version then return {2, version} end
local n = tonumber(ARGV[10])
fields('HDEL', KEYS[1], 11, 10 + n)
fields('HSET', KEYS[1], 11 + n, #ARGV)
version = version + 1
redis.call('HSET', KEYS[1], 'version', tostring(version), 'seen', ARGV[3], 'expires', ARGV[4])
if ARGV[6] == 's' then redis.call('HSET', KEYS[1], 'user', ARGV[7])
elseif ARGV[6] == 'd' then redis.call('HDEL', KEYS[1], 'user') end
if ARGV[8] == 's' then redis.call('HSET', KEYS[1], 'meta', ARGV[9])
elseif ARGV[8] == 'd' then redis.call('HDEL', KEYS[1], 'meta') end
redis.call('PEXPIREAT', KEYS[1], ARGV[5])
return {1, version}`)

/** ARGV: now, lastSeenAt, expiresAt, pexpireat. 1 when touched, 0 when missing. */
export const TOUCH = `
local e = tonumber(redis.call('HGET', KEYS[1], 'expires'))
if e == nil or e <= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'seen', ARGV[2], 'expires', ARGV[3])
redis.call('PEXPIREAT', KEYS[1], ARGV[4])
return 1`

/** No ARGV. {deleted (0 or 1), user or nothing}. */
export const DELETE = `
local u = redis.call('HGET', KEYS[1], 'user')
return {redis.call('DEL', KEYS[1]), u}`

/** ARGV: user. 1 deleted (it was the user's), -1 no such key, 0 someone else's (kept). */
export const DELETE_OWNED = `
local u = redis.call('HGET', KEYS[1], 'user')
if u == ARGV[1] then redis.call('DEL', KEYS[1]) return 1 end
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
return 0`

/** ARGV: now. Deletes an expired (or corrupt) record: {1, user or nothing}; live: nil. */
export const PRUNE = `
local h = redis.call('HMGET', KEYS[1], 'expires', 'user')
local e = tonumber(h[1])
if e ~= nil and e > tonumber(ARGV[1]) then return false end
if redis.call('DEL', KEYS[1]) == 0 then return false end
return {1, h[2]}`

/** ARGV: the version seen ('' for none). Deletes a corrupt record unless it was rewritten. */
export const DROP = `
local v = redis.call('HGET', KEYS[1], 'version')
if (v or '') ~= ARGV[1] then return 0 end
return redis.call('DEL', KEYS[1])`

/** Deletes a key of another type than a hash (it cannot be a session). */
export const DROP_OTHER_TYPE = `
if redis.call('TYPE', KEYS[1]).ok == 'hash' then return 0 end
return redis.call('DEL', KEYS[1])`
