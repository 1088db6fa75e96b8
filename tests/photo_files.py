"""Real photo files made in the test run: a phone JPEG with EXIF GPS and orientation, HEIC, PNG, and traps."""

import io
import os
import zlib

import pillow_heif
from PIL import ExifTags, Image

pillow_heif.register_heif_opener()

# Place Bellecour as a phone writes it: degrees, minutes, seconds.
BELLECOUR_DMS = ((45.0, 45.0, 28.08), (4.0, 49.0, 55.2))
BELLECOUR_DEG = (45.7578, 4.8320)


def _exif(orientation: int | None = 6, gps: bool = True) -> Image.Exif:
    exif = Image.Exif()
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.Model] = "Phone 15 Secret Edition"
    exif[ExifTags.Base.Artist] = "Jeanne Owner"
    exif[ExifTags.Base.Software] = "CameraApp 1.0"
    if gps:
        info = exif.get_ifd(ExifTags.IFD.GPSInfo)
        info[1], info[2] = "N", BELLECOUR_DMS[0]
        info[3], info[4] = "E", BELLECOUR_DMS[1]
    return exif


def sideways_image(width: int = 800, height: int = 600) -> Image.Image:
    """Top half red, bottom half blue, as the sensor stored it; orientation 6 turns it a quarter right."""
    image = Image.new("RGB", (width, height), (220, 20, 20))
    image.paste((20, 20, 220), (0, height // 2, width, height))
    return image


def phone_jpeg(orientation: int | None = 6, gps: bool = True, size: tuple[int, int] = (800, 600)) -> bytes:
    buf = io.BytesIO()
    sideways_image(*size).save(buf, "JPEG", quality=90, exif=_exif(orientation, gps))
    return buf.getvalue()


def heic_photo() -> bytes:
    buf = io.BytesIO()
    sideways_image(640, 480).save(buf, format="HEIF", exif=_exif(None, True))
    return buf.getvalue()


def png_photo() -> bytes:
    image = Image.new("RGBA", (500, 400), (0, 128, 0, 255))
    image.paste((0, 0, 0, 0), (0, 0, 100, 100))  # a transparent corner: should come out white
    buf = io.BytesIO()
    image.save(buf, "PNG")
    return buf.getvalue()


def webp_photo() -> bytes:
    buf = io.BytesIO()
    sideways_image(300, 200).save(buf, "WEBP")
    return buf.getvalue()


def truncated_jpeg() -> bytes:
    # Noise, so the entropy-coded data is large and cutting it leaves real pixels undecodable.
    image = Image.frombytes("RGB", (600, 400), os.urandom(600 * 400 * 3))
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=90)
    data = buf.getvalue()
    return data[: len(data) // 2]


def fake_jpeg() -> bytes:
    """A GIF wearing a .jpg name and an image/jpeg type."""
    buf = io.BytesIO()
    Image.new("P", (50, 50)).save(buf, "GIF")
    return buf.getvalue()


def jpeg_magic_then_garbage() -> bytes:
    return b"\xff\xd8\xff\xe0" + os.urandom(4000)


def png_bomb(side: int = 8200) -> bytes:
    """A real PNG of side x side black pixels (67 Mpx, 200 MB decoded) that weighs a few hundred kB."""
    raw_row = b"\x00" + b"\x00" * side  # filter byte + one grey byte per pixel
    compressor = zlib.compressobj(9)
    body = b"".join(compressor.compress(raw_row) for _ in range(side)) + compressor.flush()

    def chunk(kind: bytes, data: bytes) -> bytes:
        return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")

    header = side.to_bytes(4, "big") * 2 + bytes([8, 0, 0, 0, 0])  # 8-bit greyscale
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")


def svg_file() -> bytes:
    return (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
            b'<script>alert(document.cookie)</script><rect width="10" height="10"/></svg>')


def huge_upload(megabytes: int = 30) -> bytes:
    return b"\xff\xd8\xff\xe0" + os.urandom(megabytes * 1024 * 1024)


def photo_of_pixels(width: int, height: int) -> bytes:
    """A plausible camera photo of the given size (smooth gradients plus noise, like a real scene)."""
    gradient = Image.linear_gradient("L").resize((width, height))
    noise = Image.effect_noise((width, height), 40)
    image = Image.merge("RGB", (gradient, noise, gradient.transpose(Image.Transpose.FLIP_LEFT_RIGHT)))
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=90, exif=_exif(6, True))
    return buf.getvalue()


# -- files carrying every kind of metadata a format can hold, each block holding `secret` --------------

def _secret_exif(secret: str) -> bytes:
    exif = _exif(orientation=None, gps=True)
    exif[ExifTags.Base.Artist] = secret
    exif[ExifTags.Base.ImageDescription] = secret
    return exif.tobytes()


def _xmp(secret: str) -> bytes:
    return (f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
            f'<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>{secret}</dc:creator>'
            f"</rdf:Description></rdf:RDF></x:xmpmeta>").encode()


def _icc() -> bytes:
    """A real sRGB profile (it names the device or software that made the photo)."""
    from PIL import ImageCms

    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def _segment(marker: int, payload: bytes) -> bytes:
    return bytes([0xFF, marker]) + (len(payload) + 2).to_bytes(2, "big") + payload


def jpeg_with_every_segment(secret: str) -> bytes:
    """A JPEG with EXIF (APP1), XMP (APP1), ICC (APP2), Photoshop IPTC (APP13), Ducky (APP12), a vendor's
    APP15 and two COM segments, each but the ICC profile carrying the secret."""
    buf = io.BytesIO()
    sideways_image(400, 300).save(buf, "JPEG", quality=90, exif=_secret_exif(secret), icc_profile=_icc(),
                                  xmp=_xmp(secret), comment=f"Photo de {secret}".encode())
    data = buf.getvalue()
    iptc = b"Photoshop 3.0\x008BIM\x04\x04\x00\x00" + len(secret).to_bytes(4, "big") + secret.encode()
    extra = (_segment(0xED, iptc) + _segment(0xEC, b"Ducky\x00" + secret.encode())
             + _segment(0xEF, b"Vendor\x00" + secret.encode()) + _segment(0xFE, f"second {secret}".encode()))
    return data[:2] + extra + data[2:]


def png_with_every_chunk(secret: str) -> bytes:
    """A PNG with tEXt (one named "comment", which Pillow's JPEG writer would turn into a COM segment), zTXt,
    iTXt (XMP), eXIf, iCCP and tIME chunks, the text ones carrying the secret."""
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("comment", f"Photo de {secret}")
    info.add_text("Author", secret)
    info.add_text("Description", secret, zip=True)
    info.add_itxt("XML:com.adobe.xmp", _xmp(secret).decode())
    info.add(b"tIME", bytes([0x07, 0xEA, 1, 2, 3, 4, 5]))
    buf = io.BytesIO()
    sideways_image(400, 300).save(buf, "PNG", pnginfo=info, exif=_secret_exif(secret), icc_profile=_icc())
    return buf.getvalue()


def webp_with_metadata(secret: str) -> bytes:
    """A WebP with EXIF and XMP chunks carrying the secret, and an ICCP chunk."""
    buf = io.BytesIO()
    sideways_image(400, 300).save(buf, "WEBP", exif=_secret_exif(secret), xmp=_xmp(secret), icc_profile=_icc())
    return buf.getvalue()


def heic_with_metadata(secret: str) -> bytes:
    """A HEIC with EXIF and XMP carrying the secret, and an ICC profile."""
    buf = io.BytesIO()
    sideways_image(400, 300).save(buf, format="HEIF", exif=_secret_exif(secret), xmp=_xmp(secret),
                                  icc_profile=_icc())
    return buf.getvalue()


def jpeg_segments(data: bytes) -> list[tuple[int, bytes]]:
    """The marker and payload of every segment of a JPEG up to its image data (SOS), in file order."""
    assert data[:2] == b"\xff\xd8", "not a JPEG"
    found, at = [], 2
    while at < len(data):
        assert data[at] == 0xFF, f"no marker at byte {at}"
        marker = data[at + 1]
        length = int.from_bytes(data[at + 2:at + 4], "big")
        found.append((marker, data[at + 4:at + 2 + length]))
        if marker == 0xDA:  # start of scan: entropy-coded data follows, no more metadata can
            tail = data[at + 2 + length:]
            assert tail.endswith(b"\xff\xd9"), "a JPEG ends with EOI"
            break
        at += 2 + length
    return found
