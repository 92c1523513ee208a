// Fixed RSA test keys (PKCS#8 DER, base64), so tests that need RSA keys do not generate them: generation
// costs seconds at 4096 bits and made every mutation-testing run pay it again. Generated once with
// `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:N`; the 2049-bit key (a modulus length of 1 mod 8,
// where PSS encodes into k - 1 bytes) from two `openssl prime -generate` primes of 1025 and 1024 bits, as
// OpenSSL 3 rounds a requested 2049 bits down to 2048. Test keys only: never use them for anything else.
export const RSA_TEST_KEYS_PKCS8 = {
  2048:
    'MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQCwA49XZjxETuMvyQdUEelYpBoWecfg0L/eXIoSAn3aP9g5vJwF' +
    '6C44z/5M11I/bwlomglaNFI2pLUvPUWf90tBeuLNGtjMM0xw1EZmJwIeL3/2vNSElShsRvmEHYfy062LQ43BZgt4OvEaXLapPCRT' +
    'hbKCUyNbHMqcb3nONnEC1eTACfeob+Q8mMeuYZwhipmfas/uBYPyA0d8RDbQg0gN0bvO1/DHdt/2zsBqLIOzSaM+/2F/AzmKpw39' +
    'hvWmS2jWBk3JoK+sDnt5NIZLLvI2MCiznTt9eoYxT9RiwiLNXzsUs4G6yYPt2rPfpKT0MA2Y/i6dQDj/O62XOrfHTu35AgMBAAEC' +
    'ggEANri0nNB9FiOMgDO4oot7B4LlVW2BFcTwkdolVtoNdIf62mBoBXIcxK7techLmssTmsCg/blcgf6NEeWzurrwW6gv0OJy2nFs' +
    'Z3unc2TXRLkxyG0GiT2yNo+OTWO8+2KSBsT20lS+Zh+1C6Qdadn31TuwttHQISh/WUlTDihg1CdVY6rcYMSdG2WZwlFloCrQlvRz' +
    'Jop3JGXdY6jpUcmaE6ULARFLzCC9bBUQxZHRT0QlcC5BsFBwjgjRsaqZyFzoLVidl5PGE1Qqr0Sqgpevkh0d7D+1C4ce7lzyybtz' +
    '4MHRGf+DagACBhV8GD8lzj1FhvxBDJ2Pr1Kf9CWRnNMkbQKBgQDg73W+yuZS1ccLNXXkEUVRtHiU2rgeIoCVtR/PpcVZG/3GD89+' +
    'z6g0EsUmcr09IK5pf884NkErkZD/5AeEhNVird/8H4re5J+WP6VpV7n/8Lg9P4/IOBMr0jb1UD9w0n01nG+roQduy9Q9ggjGLTEB' +
    '5OtW+RMsag9uHFazyO9udwKBgQDIUn3uqiLuSk0+E0kF59UyYp8tu2tHpSfhqre7zf4NIkMlmkp12FbZqkkKf3/5rWnAKCe1AYQj' +
    'hw8yxN9trQsEyLz0XwVSpMCaBXZqCwM8gSQKCwf+XmraS9mYVrHREwXhygbH2Js4c0kW135EjosarU3bYxwYkhP+w3s4BJhzDwKB' +
    'gQCdH0gdbTf0NvZh4wclt9a3Gxx7xkiEbE9rw+ijsMUo2L+tIZAsobt6HH5wvAdqcrDCaxAB0Qw29ejWhp+ltvAjjRd/0zy7M/Iy' +
    'DuVpr2jy2mCoEAVMs7bYjm/rbhHSqoXh9BOhTMuXXnQ0PugIHrsz+odV6oi1JqT+oncCAOMXQwKBgG7UjQ4VnXvfKfs1KkqVKHRW' +
    '8iCYN9OMwZLuI/dJEczsbuAIDDhE+FA3EXA4eHKICiEhVk6jxxrs53C8Ua1ZduYvtbMyOzytIE5WxVwIOcMo4+qWjdajIFUkcAAD' +
    'vx+gebmhT70Tz1UdG4wCr754aufYiGHf5LSHZX6nYq3shPfrAoGBAMZoNwFpFJJRJhqDHWbQtdBcECfU2+a9n1aG5JvdPxIEQYma' +
    'Yk3SHLQFSsivu/KFSGY8G8BgJ2MM4/IEpx89wX0EMW+pAaEn6zYSCLsNV36c8UDCHTZnB1b5oj28x5AwyYVpzO3NX/OXDaGgTk3H' +
    '81q2ZNnZhegkethMyu8tgP1u',
  2049:
    'MIIEwAIBADANBgkqhkiG9w0BAQEFAASCBKowggSmAgEAAoIBAQGEGA5JWUSdsNsnJJcd2fFK7rJjovgmgjgOHr3W0Xx5sbu+3uVZ' +
    'inpvEl/NjyDhqSME9ruEplBztxruy30fuEhJhqXu6lK2tY10cV+w0feth54AVXRvhGcX0c1VnQs70iQTP4mNTDPZ+d/s47kduo1k' +
    '8Mwh3Rsnxc0wLWe/QNrcWQ7WFcGnCRRikRtyFKKviMqpkin62WrDwt7931FhskE3gyU06/hyiKVDpQzU9vLNTp9x0YLdExcXMGL/' +
    'vOnIlB5HWSBNnw827Wwhnpc6NzPD/VreNG6li+fEQMHpBUjKFdKybebaySB6jNpbVblTRv2RVERL61qIjWHMiuIwDXgtAgMBAAEC' +
    'ggEBAYCI9V7n/Hzix8K5FqKVV+gPKuJej9JYJIKZIzC+0L8jxAsTf9yAwV9crWBX+RSfKfu5HYQJ5p1BSIZjSc8sITP5HmDj/KDc' +
    'sxQ1YcMpyGdAgOWDxqLYZe3MC9BQktjrFqObyQcgAiBw3dcyrDEwrvjdPuYu1sFJ1E1wL+PotvKrHgQsV4Lt69rNzPNylry6sGv3' +
    '+a/KcPkNybI0Nr1o4D6yNjuQ4LAhwrCRVrUUTFHEQhRO+vltx/OrgTewcPGecTlLGiiKVpXwT9t4s6+oDEuiBLXfbVpSndqCntgy' +
    'Qdtwe36jLOpCpSeFf19ElJrbFdQsgeDWKLP3z+QvJjtP5WECgYEBqobVtlu7Btwf2Ol+rNJ4Ur+NF6RSGREuPNEY2qOB7zxXjHx8' +
    'dK8nVf/xL96mqDAfgOD+OAdFgpcLEgQ9h0fAF43Z25goH/mtD/lfumZMg7/jx61P/hXnpLNoyoiX3UQrMMhgH6+opZ0xrEqO5IKX' +
    'bxKgbTKLyv243k0s92A7QWcCgYEA6O7Lnr2chqmiFTUawu5fnECHbjYXKhI2AaSJPlBPLKQVBuTgkHgmirSwpidwbIaZnE734U4O' +
    'q60DA7MsNvCqwytt+Le3t/NkWrkZztK8LxI0UYcaW7UD4wKWE5e99j1WLw26uPRgmbuJQy1+LqvZiDCqm2ggGUN8ygiwunwX2UsC' +
    'gYEBS7CBf8fEIOiL565k8VbXdVo7Cbiik5XVxDvDPTvMLtRZLQod6svPJkTcNiLKrZ6G0T2m1MFq38xAMqmTg6Fbk7WfRvMDuSH7' +
    '4KFIPXeSZx6Rr1VrEKfONTnD80TX/J0njU812U5MM0aUO2zbxH5970Wn9mNJbPl0i4OuxU1Tp18CgYEA3zrSy0ud8XQqUDa3ce7u' +
    'lBlHcTjHVFtlhIeBu8VNS1PojtXT3MA4958Y1/NeC7OnDSSk7DhZWO+Svv38Np7ImAhL+RtgJxtLpqJT+GD/VgEVQLjAavj8Q5db' +
    '6mT2+UBpEukOdGhHF62ha07y6Zlp/Nne9taARJXnxtszO1TnqicCgYEAhKex8lGfG65zONWaMF0bphetQUeIB7Sa99SZPbFjIhTI' +
    'IWVa4JZRHT522T60zh+YPKe8ZdEC2l7yhSemyZjN+WYkkfihEEn7Stc32+BzJUnD02FIAwIiQD97a2Ka7pfXCZkk2GRdg/Qb6L3M' +
    'YDzsoT2dYcFKbMNTq7WlF4YCniw=',
  3072:
    'MIIG/QIBADANBgkqhkiG9w0BAQEFAASCBucwggbjAgEAAoIBgQDKGD+5PUm+g4l4sg7lNq4UwzI5Uk9y23x+y/ASrryAbbdB7Gid' +
    '794zJTktMz902VcSIoAt1gwc8hND7aza+kTzgqJe4PPzBty3YZmPwIyivYiCX23jHiZ9kzCvGFt8jMFlGfvrNDeklC5povljhh60' +
    'KZ4CzTVKryjXkzi6/s5zJ0b0oo1qGZg2I7DktxKFUeCUCr+p7EMnGaFuLGhtNBuAlASf9ZAp9ayukeVPcqL1YFvROPfp8LLHWLrx' +
    'hZYkobbxWPJ1c5CCA7MKctFFZkNn5iFS+sifIbuuoFGbdVtXTE0tB733ejYPaiIN4RUKokZIyMitjEMhOIXdZ8npCD+xOtg5o90H' +
    'uOymKxOuWPSRX/23cOOwWwMX0DpdAIJ7rYV8GI4hkQNbeW8KOlLZtc4HuUnxIb3BGSybNsAczpe3Co9hMCkIGCAgqpqsiPhBoROe' +
    'F5Mxvf1QmCMSV0m8MiOgdqAd1NWGZl4giv7/I/s4a7fv6E6JAc4DH1zj2JQ0708CAwEAAQKCAYAmByIWjT3PJ5k6qOa8oulm5sQQ' +
    'nTht+HcYtO9b1J2L3Rlawk19SqGZJiv4IWiTaEJGG0/bUCe/Wp3dbl/UZLuMxswe5l2BIY1uxGLM9gKArQF+5s4aqpW7k3LZv8+X' +
    'RDUv/Q+2VoER6wBAyHX9EEO+ywX8qPiaMROSXRWTulbGvGFRrzTE/kPyDA1BPGGzzJBhyxP9uYN5XA1QWfLcea2jKDcmkmKqQpxX' +
    'zQRFSuD3I0ajvACKeMxrTnr+75AtHHCma1e/Ie5Wb7b5WqqVqUuB+BInSuCYmxeZ2wiBtggtpolxpITgMpkKk4fUdGweC7KZ4xdl' +
    'W/VGIhlgdf5HuN2OxiKpWk0Ni/Bw1inDbjjm7619eeLzDT5jVdHLp+F5G6eCQgROBftRSCsr/z0YNLq607KzlJrQaxk4VWbXm10S' +
    'eZHfK6UPsudm2O2WySJgq84lVsIaLPPYBhufAm0szx3PHFN6mIl8+lfxlRspUdyvuDZ9B2iDoh/jMe3UTr8qZiECgcEA9PO1IxY3' +
    'xPVuMszp63BDygGN/QXwfPgbVv8aMWrZ0MYOP8ES+H8wTFnnPO9tb6Q+eE6BnYgUgZSZiuBRqV7zLHu+6yPJT9e46EujupoK+8fB' +
    'p8rSETiDERowA4P4TX4NY6hJNQTj0odEMkwVOsgB4gmaMDCtZMfYS8bGDTGUDyJg5V+suxofjsdBSRi0aCANikQoPZeM/pfpBw6y' +
    'EWqCDuXmWnsj4f5cqsH5QZmEgTTr2NjfS7cDsHuVN2g0mp37AoHBANM1sq7qOmw4Fvv72OV2w1kQlQJ73PXT7cuTjK0/XFT6g9fP' +
    '38rDB9BBFoeeMQ/T6vfNNDQ7wvcsXIiuhdS6izfci/1v6winM6R+Je8YlZxkPscBUQqpkd3vpNlTvuNDd86BPQjl8LfJ9/BgTzxp' +
    'C4NM7MzUiGjRATP7KYlhoSMT2fAIh7C4GsXcnTwbIQUiuCp51WLwlulrBLY2UhlLcB2vj6+rphGaI+vsdp5201nc6AwkqOLk6kOn' +
    '09VdHrpXvQKBwC7Gt0l6/a1j/OZAkU7/gkJ6J4Yw8yq6KmZjkrnrIKsolyH/mcLQbwW1iV3ujuRp5fANdd0CVoAkQ2nsyktgsWlG' +
    'PEAk9lWD6XCauSpyLjTEgausJI9bTlQevxp8whbyQlZMlaZFR8g1QoWkV82A0jM7CDG5qfL74scdr0ZnuFFnjD9hFNgp9erLDCGM' +
    'US8tJ8jGmTSh0y/vDHXnjYOb5jg4GNQgfcqzSzjkj9fCHDacR4mCaKnJyi+Sef05rgn0rwKBwQCUhvOT6+WPytXm+BFsNFtlm7Ke' +
    'H4qgWRuliKpp/t+oZs8miel/xi0Nd2gnkMhBsC5Rer3WaZxOg6TC/a/hjBlw/Ch53iVzXVmEuK1meWxkoV5ARh2+mMaaQvczWaAo' +
    'Y36x+tJ4GnNwW5h/Mssl2V0eRY9U77TJuQjWjC6GjOBrMX+WO/ln/d/d+qmb5hwPZ34JaMn1nOkTVo3msUaEwTcjuR0bVWMgh7vx' +
    'IcW85CT20dFhELqvbHmNgE0Ig0ajliUCgcAda+3yeSQhXAjdBZYvh8Fhm7IjfJ0w3+BQSK5YBiR10q1W9ypHbpevPqLr4Fe+dqNA' +
    'H0tEXre2BGnbLjgb644cEuFa2erwn7R1an/KNDGUBuUw0fNHmBs88FZnmSA8btWpObc8xcaircbclsiMS8imp8QGBYOwc+1OZ7PB' +
    'ssjmxcmLyVBH94rl4IVF0sIBlwcg5/QMSsYhqJWifFBqYOHVn6FFWcoBiYOEgsT6i9zVIvMCUWbdLoPM1w/sDNWD5ls=',
  4096:
    'MIIJQgIBADANBgkqhkiG9w0BAQEFAASCCSwwggkoAgEAAoICAQC0wuUjE8oceu6F/TWZgtriNsQ6dGu6sNPI/8qShr/ehgCbpppf' +
    '6XDv1bO6R3PssZf4oIopikxYnrDBoBS0SkM1aEe4LWbaFRsqUBPoMkhobqQDX1EWHclKndz+A5MPH20yA+ma13rRXwDzzOq5qP4y' +
    'YzBCntgcWL4IPEtNWrxbvdfPekSpc1TZuJlQqTP1T/Sr7uN9zP9uf3hK6gXmIeuzciVZ2NxxqUYusNQJ3n5XITGnvb7wpD6XBhBX' +
    'Q0Um0gtRyDqh/QRaB050W9N7z/roJgldu5PdHWZDcW9B+oDAjyoEkokni0pYnTLusZtGEmTCBP1tQrvUlDPoJ6JN5AFjNLYVpa2B' +
    '5RmE1uXljVijeD8vL5Um2xXPAVHtb9HGgLMGkdwQJR4HGHUFGJAVbzuu//85b4h8eCTgs+4Eku3nPuv9vay9zgTNgkdzaj7UE1u4' +
    'CDYnQmKOtXbYd6D/7WaN7u+F2PJAGWwc4M3RQQi6vp8KScCvXZ34WfOU7LgEqwYc/BfyrUQ/8Mx6qzLfgpE4ZbjzevjRZBGZbUBx' +
    'vLC7w1jx9xwLCGyDOkvdm4zHUo1bpbuJzTXxq4WjmqRBx3i5/Yw9hrE9pIHP8bRdIoEukDMjUA8/+TPKwE8VFE7YrZfGaoCTmy3g' +
    'cFi9O+VLWZHXaCdn7h1iLYZ7BH5oJ8B9iQIDAQABAoICAD1QsPYVk+TWREuaCRDyBLpgNm7Xp+VTbvuK3NWYNMRQMyuZN1taba9F' +
    'D6qb6zQ6R6EUH9mYam5TIgUD/pHrcOHQZieQ6wcFysmvERmd2Nbn1OW58uDsKKgRZXGal8s0707caeTWu/gCYGnStDpXGybPY4Lt' +
    'q8PtzEQx458xLJx4CJj90gWitAEIb6UfSBspzIZ3yZ4WJ/z86zqKKIcYMYIUsZvJBnndoAtdewd/+94lSdkq8XZiWELVUTywemgB' +
    'LsrGfzEMiOna+Z9ZuKKSeXs+z8WGR9Fk1BgDhehdB0iKJ4gWhsStqIHnjOvPvipmOdxgYfCqhtlEjljs/M6sDVXd7zdWW/FerjHJ' +
    'xft9kMsWRDF1i9acuD1dZoWcY2SjG85Do+Bb3UpHLAXAsDbVqNNr8gvxxqVrTeucqaCDkkJ1kRBZwn3D3p40G/5OI/jTm+F3hUIL' +
    '3v0vyw/u4weczoOzRN67eRzOvjtWiF9PoKO72vEQnwcR2pvl8U4hfhVvbidQnnaWnOYx9bOuT8HYpV5d18RZDxz0Az9fYuzZ1eYH' +
    '7qvGSNx3yhcU8UGlvFrOkxOhRlT7uQrWLGoOHGThQ3cgIs/i6ojP212fTKbLLNvS/DnEpn683j9G0AKW++mZXSUFBcUczaPbTlnU' +
    'i+r7VGxUHx5cYD29Stl+/tspudv7AoIBAQDgGviAn0L6qetayCHZ50GxmCwWCvzz8AETZtVYHWFjD4FuzescI5e6HsfBkdbtE5wp' +
    'CQiMYuh8gD6uQPhcvR9DZVZQ674+aXL48gGtSGBZ/rjpajiK/r3Sx60sig3jjzjRHF2HOi1Bd6k0VhVEWL/FygRpqfSq9u35jTcc' +
    '3Cth3TziVzMYeuSPPsOeuz2oI6WQWeIvjMZu2pst9FHlqJvUc2sCD4hFNjRaNAJK6asrGmxOPkb/e05A5wiVThmoNcZYq9zIdQlS' +
    'EnQAPeJZPjGtaVCl9LkNtj5OSf5OKC45KqKsmi8A47w407CXCHsemmZRbzGbgMqFOZdMD5AeVFdbAoIBAQDOfLt2PPlQOnL7f/wT' +
    'V6veDJEKJrq9uLt9uNnW9pqxTiw/byFHNpR3gEFrcgdTm7I2yMY2q1BCeOoakwC9YEcCMX2SsD+XBMAXRLUKSCCqhGKbDGzqYY1t' +
    '0G92Dh/bBz/Qn2lhB+0S3mplDm5DA7IGmlb9xPuaDYn5zdcLwVoZsN4KujvdFoyJmcO9JdcQDGdjVeMor3Mq98R4rT1IWt9Wd3C7' +
    'f18P5n0Kned/qtMz8GhilcrNtKqxIhPpmIWZXUifgU9IXHxty1Xa8korOVxXZtHF/1V++9tle1JnBoZH3/+nx9z/pGlJ6ecEgOCd' +
    'RYK8bmcHSUfaaPG5ryPZe3frAoIBAD2vTs1giPgkAzM2uRKYc92lTCU5Gw0t963WdUzOsXqpzu+n4Fobdez2AffG48jXx/kHkoHJ' +
    'y8JRLm+aVIJ6T/umDg8yBGh7b/kT6+A9dr/uvAkLgsrHeYpmCcWjrlT/nBz62Mea/M/zVvCf7TSl1QtlIrfO3xib5T72XsAj3hEO' +
    '625FoDvRv82p8gBj+4GnZjAIfZinAAuNQn9wq4YyVcoxhrfHfLPISrq1bBggn0u69yrGO5ag4xY8QYGPQMKrIpBPpfLLPCiKCcHz' +
    'RrVXyCa6QUecx779dcLo3QW4S5jSonot6lgtVyaxJf88h18SEq3BlH8AAT6QbpOyCPJANtcCggEAHJiBjZpcHJQ7oEDVNAiMMLAk' +
    '1fcPHX8b2AllgbOdMLjWv+IwBaC1ZudIKA0enqGNSLD9YkzPTKVaJlv9WjyfGNqpvUrTQ6LQx2goekgK3hJ/ZWGPI9Zms7KN/Rdv' +
    'qfGTEN1CxsFGP7q1mVEqS/WTDf8J1RMWlPsTBJlREruwMqaf2XR5HeEljVjSFrvK0Nom50bZsqS5mlW9y8iSGBcdnufjoNO+4oDV' +
    'CEdd6/xIS4Ubr6t27o36pZVGlK8esWKN0CkkRa0pPjtOpIexZdMHysLegkEeIfvXInK1srbgmcuXqDCxlmW6fxX5fFIsyRr7RAU2' +
    'F3g6jzDBaSmsGU5UCQKCAQEA0LG4/2PH4vdvjUYDWwImi5DSr8vOUmITdqHDu5UD4E4qT6x8qArKuUKPr6RYMj9roMZMeRg3AgDU' +
    'M/Je96Y9TLwUi04v1MPXzZHeKjT5CQrD2t+dVTq4jmTyrVYQ5OenCAm8x5aWnNgKYMjvblvWCBPuW0HKHxfPTa+cDFfeK/be9Yys' +
    'j/EPem/7PSRG2sE1AuCzRQtK+gfYMBJy7idgeKD/I/c/rK4PmpQBIeI7JAjvDx7GTuhiDxRn/ZH+6xTKFD4++HVMzGX/jxE/pscy' +
    'fu2mcGhWbD+rFGHmBXI28zkEuE0nOtxnW+P0AABy/OuCxQqO/6fCn4iaF+n+EWHXdQ==',
} as const;
