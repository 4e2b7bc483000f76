from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2idPasswordHasher(Argon2PasswordHasher):
    """Argon2id at OWASP's recommended floor: 19 MiB of memory, 2 passes, 1 lane.

    Django's defaults (100 MiB, 8 lanes) cost a few hundred milliseconds a hash on a small server, which
    makes every login slow and a flood of logins a denial of service; these cost tens of milliseconds.
    Hashes made with other parameters still verify and are re-hashed at the next login (must_update).
    https://cheatsheetseries.owasp.org/cheatsheets/Password_Storage_Cheat_Sheet.html#argon2id
    """

    time_cost = 2
    memory_cost = 19 * 1024
    parallelism = 1
