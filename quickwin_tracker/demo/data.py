"""Demo data for Quick-Win Tracker: Balikpapan's Smart City quick wins, written by hand.

Pure data, no logic. All texts shown to users are in Bahasa Indonesia. Dates are given as whole
days *relative to today* so the demo never goes stale: the seeder turns them into real dates.

``UNITS``
    ``(code, full name)`` of the perangkat daerah (OPD) that own quick wins.
``USERS``
    Demo logins: ``email``, ``name``, ``role`` ("staff" | "manager" | "reviewer" | "admin") and
    ``unit`` (a ``UNITS`` code, or ``None`` for the reviewers). The first staff user and the first
    manager both belong to DISDUKCAPIL.
``INITIATIVES``
    Hand-written quick wins, six per Smart City dimension. Keys: ``title``, ``benefit`` (what
    citizens feel, one sentence), ``description``, ``dimension`` ("governance" | "branding" |
    "economy" | "living" | "society" | "environment"), ``unit`` (owning OPD code), ``owner``
    (email of a user of that unit, or ``None``), ``stage`` ("proposed" | "approved" |
    "in_progress" | "pilot" | "rolled_out"), ``target_in_days`` (target rollout date, days from
    today; negative = in the past), ``days_in_stage`` (days since the current stage was entered),
    ``milestones`` (``{title, due_in_days, done}``) and ``indicators`` (``{name, unit, baseline,
    target, direction ("higher" | "lower"), target_in_days, measurements}``, where each
    measurement is ``[days_ago, value]``).
``GENERATED`` and ``PLACES``
    Word banks for load tests. For each dimension: ``services`` (noun phrases), ``actions``
    (title prefixes such as "Digitalisasi") and ``benefits`` (sentence templates containing the
    single placeholder ``{place}``, filled with a kelurahan name from ``PLACES``).
"""

from __future__ import annotations

UNITS: list[tuple[str, str]] = [
    ("DISDUKCAPIL", "Dinas Kependudukan dan Pencatatan Sipil"),
    ("DINKES", "Dinas Kesehatan"),
    ("DISKOMINFO", "Dinas Komunikasi dan Informatika"),
    ("DLH", "Dinas Lingkungan Hidup"),
    ("BAPPEDA", "Badan Perencanaan Pembangunan, Riset dan Inovasi Daerah"),
    ("RSUD", "RSUD Beriman"),
    ("DPMPTSP", "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu"),
    ("DISHUB", "Dinas Perhubungan"),
    ("DISDIKBUD", "Dinas Pendidikan dan Kebudayaan"),
    ("DKUMKMP", "Dinas Koperasi, Usaha Mikro, Kecil dan Menengah, dan Perindustrian"),
    ("DINSOS", "Dinas Sosial"),
    ("DPU", "Dinas Pekerjaan Umum"),
    ("DISPORAPAR", "Dinas Pemuda, Olahraga dan Pariwisata"),
    ("BPBD", "Badan Penanggulangan Bencana Daerah"),
    ("ORGANISASI", "Bagian Organisasi Sekretariat Daerah"),
]

USERS: list[dict] = [
    # Smart City team (Diskominfo) administers the application.
    {"email": "admin@quickwin.balikpapan.go.id", "name": "Rizky Ramadhan",
     "role": "admin", "unit": "DISKOMINFO"},
    # Reviewers sit in the Sekretariat Daerah (Bagian Organisasi), not in any OPD.
    {"email": "reviewer.organisasi@quickwin.balikpapan.go.id", "name": "Nurul Hidayati",
     "role": "reviewer", "unit": None},
    {"email": "reviewer.setda@quickwin.balikpapan.go.id", "name": "Hendra Saputra",
     "role": "reviewer", "unit": None},
    # One manager (kepala OPD) per unit; the first one is Disdukcapil.
    {"email": "kepala.disdukcapil@quickwin.balikpapan.go.id", "name": "Bambang Susilo",
     "role": "manager", "unit": "DISDUKCAPIL"},
    {"email": "kepala.dinkes@quickwin.balikpapan.go.id", "name": "Sri Wahyuningsih",
     "role": "manager", "unit": "DINKES"},
    {"email": "kepala.diskominfo@quickwin.balikpapan.go.id", "name": "Yusuf Maulana",
     "role": "manager", "unit": "DISKOMINFO"},
    {"email": "kepala.dlh@quickwin.balikpapan.go.id", "name": "Ratna Puspitasari",
     "role": "manager", "unit": "DLH"},
    {"email": "kepala.dishub@quickwin.balikpapan.go.id", "name": "Arif Wicaksono",
     "role": "manager", "unit": "DISHUB"},
    {"email": "kepala.dkumkmp@quickwin.balikpapan.go.id", "name": "Lina Marlina",
     "role": "manager", "unit": "DKUMKMP"},
    # Staff; the first one is Disdukcapil.
    {"email": "staf.disdukcapil@quickwin.balikpapan.go.id", "name": "Andi Pratama",
     "role": "staff", "unit": "DISDUKCAPIL"},
    {"email": "staf2.disdukcapil@quickwin.balikpapan.go.id", "name": "Wulan Safitri",
     "role": "staff", "unit": "DISDUKCAPIL"},
    {"email": "staf.dinkes@quickwin.balikpapan.go.id", "name": "Fitri Handayani",
     "role": "staff", "unit": "DINKES"},
    {"email": "staf2.dinkes@quickwin.balikpapan.go.id", "name": "Dimas Kurniawan",
     "role": "staff", "unit": "DINKES"},
    {"email": "staf.diskominfo@quickwin.balikpapan.go.id", "name": "Putri Ayuningtyas",
     "role": "staff", "unit": "DISKOMINFO"},
    {"email": "staf.dlh@quickwin.balikpapan.go.id", "name": "Muhammad Fauzan",
     "role": "staff", "unit": "DLH"},
    {"email": "staf.dishub@quickwin.balikpapan.go.id", "name": "Rudi Hartono",
     "role": "staff", "unit": "DISHUB"},
    {"email": "staf.dkumkmp@quickwin.balikpapan.go.id", "name": "Nur Aisyah",
     "role": "staff", "unit": "DKUMKMP"},
]

INITIATIVES: list[dict] = [
    # ------------------------------------------------------------------ governance
    {
        "title": "Dukcapil Jemput Bola: KTP-el, KK dan Akta Tercetak di Kelurahan",
        "benefit": "Warga pulang dari kantor kelurahan membawa KTP-el, KK atau akta kelahiran "
                   "yang sudah tercetak pada hari yang sama.",
        "description": "Disdukcapil menempatkan operator dan printer dokumen kependudukan di "
                       "kantor kelurahan secara bergilir. Berkas diverifikasi di tempat sehingga "
                       "warga tidak perlu datang ke kantor dinas.",
        "dimension": "governance",
        "unit": "DISDUKCAPIL",
        "owner": "staf.disdukcapil@quickwin.balikpapan.go.id",
        "stage": "rolled_out",
        "target_in_days": -120,
        "days_in_stage": 96,
        "milestones": [
            {"title": "Pengadaan printer KTP-el dan blangko untuk layanan keliling",
             "due_in_days": -210, "done": True},
            {"title": "Pelatihan operator dan petugas kelurahan", "due_in_days": -180,
             "done": True},
            {"title": "Uji coba di Kelurahan Sepinggan dan Gunung Samarinda",
             "due_in_days": -150, "done": True},
            {"title": "Jadwal bergilir berlaku di 34 kelurahan", "due_in_days": -120,
             "done": True},
        ],
        "indicators": [
            {"name": "Waktu penyelesaian dokumen kependudukan", "unit": "jam",
             "baseline": 72.0, "target": 4.0, "direction": "lower", "target_in_days": -90,
             "measurements": [[150, 24.0], [110, 8.0], [60, 3.5], [14, 3.0]]},
            {"name": "Kelurahan yang melayani cetak dokumen di tempat", "unit": "kelurahan",
             "baseline": 0.0, "target": 34.0, "direction": "higher", "target_in_days": -120,
             "measurements": [[140, 6.0], [100, 34.0]]},
        ],
    },
    {
        "title": "Lapor Keluhan Warga lewat WhatsApp Terhubung SP4N-LAPOR!",
        "benefit": "Warga cukup mengirim pesan WhatsApp untuk melapor jalan rusak atau lampu "
                   "mati dan bisa memantau tindak lanjutnya.",
        "description": "Satu nomor WhatsApp resmi Pemkot menerima aduan warga, lalu petugas "
                       "meneruskannya ke OPD terkait melalui SP4N-LAPOR!. Status aduan dikirim "
                       "balik otomatis ke pelapor.",
        "dimension": "governance",
        "unit": "DISKOMINFO",
        "owner": "staf.diskominfo@quickwin.balikpapan.go.id",
        "stage": "pilot",
        "target_in_days": 30,
        "days_in_stage": 41,
        "milestones": [
            {"title": "Nomor WhatsApp resmi terverifikasi", "due_in_days": -90, "done": True},
            {"title": "Integrasi disposisi ke SP4N-LAPOR!", "due_in_days": -60, "done": True},
            {"title": "Uji coba di Kecamatan Balikpapan Tengah", "due_in_days": -40,
             "done": True},
            {"title": "Penunjukan admin aduan di setiap OPD", "due_in_days": 7,
             "done": False},
            {"title": "Peluncuran untuk seluruh kota", "due_in_days": 30, "done": False},
        ],
        "indicators": [
            {"name": "Rata-rata waktu tindak lanjut aduan", "unit": "hari",
             "baseline": 14.0, "target": 3.0, "direction": "lower", "target_in_days": 60,
             "measurements": [[35, 9.0], [21, 6.5], [7, 5.0]]},
            {"name": "Aduan yang selesai ditindaklanjuti", "unit": "%",
             "baseline": 48.0, "target": 90.0, "direction": "higher", "target_in_days": 60,
             "measurements": [[30, 61.0], [5, 72.0]]},
        ],
    },
    {
        "title": "Helpdesk Perizinan OSS di Mal Pelayanan Publik",
        "benefit": "Pelaku usaha didampingi petugas sampai NIB dan izin dasarnya terbit, tanpa "
                   "harus bolak-balik atau memakai jasa perantara.",
        "description": "DPMPTSP membuka meja pendampingan OSS RBA di Mal Pelayanan Publik "
                       "Balikpapan, lengkap dengan komputer mandiri dan petugas yang membantu "
                       "pengisian data usaha.",
        "dimension": "governance",
        "unit": "DPMPTSP",
        "owner": None,
        "stage": "rolled_out",
        "target_in_days": -75,
        "days_in_stage": 70,
        "milestones": [
            {"title": "Penyiapan meja layanan dan komputer mandiri", "due_in_days": -130,
             "done": True},
            {"title": "Bimbingan teknis OSS RBA untuk petugas", "due_in_days": -100,
             "done": True},
            {"title": "Helpdesk dibuka untuk umum", "due_in_days": -75, "done": True},
        ],
        "indicators": [
            {"name": "Waktu terbit NIB dan izin dasar", "unit": "hari",
             "baseline": 7.0, "target": 1.0, "direction": "lower", "target_in_days": -45,
             "measurements": [[60, 3.0], [30, 1.0], [3, 0.8]]},
        ],
    },
    {
        "title": "Tanda Tangan Elektronik untuk Surat Keterangan Kelurahan",
        "benefit": "Surat keterangan domisili dan usaha bisa diajukan dari rumah dan diterima "
                   "dalam bentuk PDF bertanda tangan elektronik.",
        "description": "Lurah dan camat memakai sertifikat elektronik BSrE untuk menandatangani "
                       "surat keterangan. Keaslian surat dapat diperiksa lewat kode QR.",
        "dimension": "governance",
        "unit": "DISKOMINFO",
        "owner": "kepala.diskominfo@quickwin.balikpapan.go.id",
        "stage": "in_progress",
        "target_in_days": 45,
        "days_in_stage": 62,
        "milestones": [
            {"title": "Penerbitan sertifikat elektronik untuk lurah dan camat",
             "due_in_days": -40, "done": True},
            {"title": "Templat surat keterangan distandarkan", "due_in_days": 10,
             "done": False},
            {"title": "Uji coba di Kelurahan Klandasan Ilir dan Prapatan", "due_in_days": 20,
             "done": False},
        ],
        "indicators": [
            {"name": "Surat keterangan bertanda tangan elektronik", "unit": "dokumen/bulan",
             "baseline": 0.0, "target": 1500.0, "direction": "higher", "target_in_days": 120,
             "measurements": [[10, 85.0]]},
        ],
    },
    {
        "title": "Dasbor Capaian Quick Win untuk Pimpinan Daerah",
        "benefit": "Warga dan pimpinan daerah dapat melihat program mana yang sudah berjalan dan "
                   "mana yang tertunda dalam satu halaman.",
        "description": "Bappeda menghimpun indikator quick win dari seluruh OPD ke dalam satu "
                       "dasbor yang diperbarui setiap bulan dan ditampilkan di rapat pimpinan.",
        "dimension": "governance",
        "unit": "BAPPEDA",
        "owner": None,
        "stage": "approved",
        "target_in_days": 90,
        "days_in_stage": 12,
        "milestones": [
            {"title": "Penyepakatan daftar indikator bersama OPD", "due_in_days": 20,
             "done": False},
            {"title": "Dasbor versi pertama ditampilkan di rapat pimpinan", "due_in_days": 75,
             "done": False},
        ],
        "indicators": [
            {"name": "OPD yang melaporkan capaian tepat waktu", "unit": "%",
             "baseline": 40.0, "target": 100.0, "direction": "higher", "target_in_days": 120,
             "measurements": []},
        ],
    },
    {
        "title": "Survei Kepuasan Masyarakat lewat Kode QR di Setiap Loket",
        "benefit": "Setelah dilayani, warga bisa langsung menilai layanan dalam satu menit dan "
                   "melihat hasilnya diumumkan setiap bulan.",
        "description": "Bagian Organisasi menempelkan kode QR survei kepuasan di loket layanan "
                       "OPD, kecamatan dan kelurahan. Hasilnya menjadi bahan perbaikan layanan.",
        "dimension": "governance",
        "unit": "ORGANISASI",
        "owner": None,
        "stage": "proposed",
        "target_in_days": 150,
        "days_in_stage": 9,
        "milestones": [],
        "indicators": [],
    },
    # ------------------------------------------------------------------ branding
    {
        "title": "Kalender Event Pariwisata Balikpapan dalam Satu Kanal",
        "benefit": "Warga dan wisatawan tahu jadwal festival, lomba dan pertunjukan di "
                   "Balikpapan jauh hari sebelumnya.",
        "description": "Semua agenda wisata, olahraga dan budaya dari OPD, komunitas dan swasta "
                       "dihimpun dalam kalender daring yang juga dibagikan lewat media sosial "
                       "Pemkot.",
        "dimension": "branding",
        "unit": "DISPORAPAR",
        "owner": None,
        "stage": "rolled_out",
        "target_in_days": -60,
        "days_in_stage": 58,
        "milestones": [
            {"title": "Formulir pendaftaran event untuk komunitas", "due_in_days": -110,
             "done": True},
            {"title": "Kalender terbit di situs dan media sosial Pemkot", "due_in_days": -60,
             "done": True},
        ],
        "indicators": [
            {"name": "Event yang terpublikasi di kalender", "unit": "event/bulan",
             "baseline": 4.0, "target": 20.0, "direction": "higher", "target_in_days": -30,
             "measurements": [[55, 11.0], [25, 18.0], [2, 26.0]]},
        ],
    },
    {
        "title": "Identitas Visual \"Balikpapan Kota Nyaman\" di Ruang Publik",
        "benefit": "Warga dan pendatang mengenali Balikpapan sebagai Madinatul Iman yang bersih, "
                   "indah, aman dan nyaman lewat penanda kota yang seragam.",
        "description": "Panduan identitas visual kota diterapkan pada gerbang kota, halte, taman "
                       "dan kanal digital Pemkot agar pesan Kota Nyaman tampil konsisten.",
        "dimension": "branding",
        "unit": "DISKOMINFO",
        "owner": "staf.diskominfo@quickwin.balikpapan.go.id",
        "stage": "in_progress",
        "target_in_days": 70,
        "days_in_stage": 33,
        "milestones": [
            {"title": "Panduan identitas visual kota disahkan", "due_in_days": -30,
             "done": True},
            {"title": "Penerapan di akun media sosial seluruh OPD", "due_in_days": 10,
             "done": False},
            {"title": "Pemasangan penanda di Lapangan Merdeka dan Taman Bekapai",
             "due_in_days": 60, "done": False},
        ],
        "indicators": [
            {"name": "Kanal digital OPD yang memakai identitas kota", "unit": "%",
             "baseline": 15.0, "target": 100.0, "direction": "higher", "target_in_days": 70,
             "measurements": [[20, 38.0]]},
        ],
    },
    {
        "title": "Papan Info Wisata Berkode QR di Pantai Kemala dan Manggar Segara Sari",
        "benefit": "Pengunjung pantai bisa memindai kode QR untuk melihat fasilitas, tarif dan "
                   "kuliner terdekat dalam bahasa Indonesia dan Inggris.",
        "description": "Papan informasi dipasang di pintu masuk objek wisata pantai. Kode QR "
                       "mengarah ke halaman destinasi yang dikelola Dinas Pemuda, Olahraga dan "
                       "Pariwisata.",
        "dimension": "branding",
        "unit": "DISPORAPAR",
        "owner": None,
        "stage": "pilot",
        "target_in_days": -6,
        "days_in_stage": 50,
        "milestones": [
            {"title": "Konten destinasi dwibahasa selesai", "due_in_days": -70, "done": True},
            {"title": "Papan terpasang di Pantai Kemala", "due_in_days": -50, "done": True},
            {"title": "Papan terpasang di Pantai Manggar Segara Sari", "due_in_days": -15,
             "done": False},
        ],
        "indicators": [
            {"name": "Pemindaian kode QR oleh pengunjung", "unit": "kali/bulan",
             "baseline": 0.0, "target": 3000.0, "direction": "higher", "target_in_days": 30,
             "measurements": [[40, 420.0], [10, 1150.0]]},
        ],
    },
    {
        "title": "Tur Virtual 360° Kebun Raya Balikpapan dan Hutan Lindung Sungai Wain",
        "benefit": "Calon wisatawan dan pelajar bisa menjelajah destinasi alam Balikpapan dari "
                   "ponsel sebelum berkunjung.",
        "description": "Foto 360° jalur utama Kebun Raya Balikpapan dan Hutan Lindung Sungai Wain "
                       "di Karang Joang disusun menjadi tur virtual dengan narasi singkat.",
        "dimension": "branding",
        "unit": "DISPORAPAR",
        "owner": None,
        "stage": "approved",
        "target_in_days": 110,
        "days_in_stage": 20,
        "milestones": [
            {"title": "Pengambilan foto 360° bersama pengelola kawasan", "due_in_days": 40,
             "done": False},
            {"title": "Tur virtual tayang di situs pariwisata", "due_in_days": 100,
             "done": False},
        ],
        "indicators": [
            {"name": "Kunjungan ke tur virtual", "unit": "kunjungan/bulan",
             "baseline": 0.0, "target": 2000.0, "direction": "higher", "target_in_days": 180,
             "measurements": []},
        ],
    },
    {
        "title": "Etalase Produk Khas Balikpapan di Bandara SAMS Sepinggan",
        "benefit": "Produk UMKM Balikpapan tampil di bandara sehingga pendatang mudah membeli "
                   "oleh-oleh khas kota.",
        "description": "DKUMKMP bekerja sama dengan pengelola bandara menyediakan etalase kurasi "
                       "produk kerajinan dan makanan olahan UMKM Balikpapan.",
        "dimension": "branding",
        "unit": "DKUMKMP",
        "owner": "kepala.dkumkmp@quickwin.balikpapan.go.id",
        "stage": "approved",
        "target_in_days": 80,
        "days_in_stage": 5,
        "milestones": [
            {"title": "Kesepakatan kerja sama dengan pengelola bandara", "due_in_days": 25,
             "done": False},
            {"title": "Kurasi produk UMKM peserta", "due_in_days": 50, "done": False},
            {"title": "Etalase dibuka", "due_in_days": 80, "done": False},
        ],
        "indicators": [
            {"name": "UMKM yang produknya dipajang", "unit": "UMKM",
             "baseline": 0.0, "target": 40.0, "direction": "higher", "target_in_days": 90,
             "measurements": []},
        ],
    },
    {
        "title": "Promosi Digital Kampung Wisata Atas Air Margasari",
        "benefit": "Wisatawan mudah menemukan paket kunjungan ke kampung atas air dan warga "
                   "Margasari mendapat tambahan penghasilan.",
        "description": "Pokdarwis Margasari dibantu menyusun paket wisata, foto dan video "
                       "promosi, serta pemesanan daring melalui kanal pariwisata kota.",
        "dimension": "branding",
        "unit": "DISPORAPAR",
        "owner": None,
        "stage": "proposed",
        "target_in_days": 180,
        "days_in_stage": 16,
        "milestones": [
            {"title": "Pendataan paket wisata bersama Pokdarwis", "due_in_days": 45,
             "done": False},
        ],
        "indicators": [],
    },
    # ------------------------------------------------------------------ economy
    {
        "title": "QRIS untuk Pedagang Pasar Pandansari, Klandasan dan Sepinggan",
        "benefit": "Pembeli di pasar tradisional bisa membayar dengan memindai QRIS tanpa harus "
                   "membawa uang tunai.",
        "description": "Petugas DKUMKMP bersama perbankan mendatangi los pedagang untuk membuka "
                       "rekening, memasang QRIS dan melatih pencatatan transaksi sederhana.",
        "dimension": "economy",
        "unit": "DKUMKMP",
        "owner": "staf.dkumkmp@quickwin.balikpapan.go.id",
        "stage": "pilot",
        "target_in_days": 40,
        "days_in_stage": 35,
        "milestones": [
            {"title": "Kerja sama dengan bank penerbit QRIS", "due_in_days": -80,
             "done": True},
            {"title": "Pendataan pedagang di tiga pasar", "due_in_days": -55, "done": True},
            {"title": "Pendampingan di Pasar Pandansari", "due_in_days": -30, "done": True},
            {"title": "Pendampingan di Pasar Klandasan dan Pasar Sepinggan",
             "due_in_days": 30, "done": False},
        ],
        "indicators": [
            {"name": "Pedagang pasar yang menerima pembayaran QRIS", "unit": "%",
             "baseline": 12.0, "target": 60.0, "direction": "higher", "target_in_days": 40,
             "measurements": [[30, 22.0], [15, 31.0], [1, 37.0]]},
        ],
    },
    {
        "title": "Klinik Legalitas UMKM: NIB dan Izin PIRT Selesai dalam Sehari",
        "benefit": "Pelaku usaha mikro pulang dengan NIB dan berkas izin PIRT lengkap dalam satu "
                   "kali datang.",
        "description": "Klinik legalitas digelar bergilir di kantor kecamatan dengan petugas "
                       "DKUMKMP, DPMPTSP dan Dinas Kesehatan dalam satu meja.",
        "dimension": "economy",
        "unit": "DKUMKMP",
        "owner": "staf.dkumkmp@quickwin.balikpapan.go.id",
        "stage": "rolled_out",
        "target_in_days": -150,
        "days_in_stage": 140,
        "milestones": [
            {"title": "Kesepakatan layanan bersama DPMPTSP dan Dinkes", "due_in_days": -200,
             "done": True},
            {"title": "Klinik pertama di Kecamatan Balikpapan Barat", "due_in_days": -170,
             "done": True},
            {"title": "Jadwal bergilir di enam kecamatan", "due_in_days": -150,
             "done": True},
        ],
        "indicators": [
            {"name": "UMKM yang memperoleh NIB melalui klinik", "unit": "UMKM/bulan",
             "baseline": 30.0, "target": 150.0, "direction": "higher", "target_in_days": -90,
             "measurements": [[120, 85.0], [60, 130.0], [20, 118.0]]},
        ],
    },
    {
        "title": "Pendampingan UMKM Lokal Masuk E-Katalog Pemkot",
        "benefit": "UMKM Balikpapan bisa menjual barang dan jasa langsung ke perangkat daerah "
                   "tanpa proses tender yang rumit.",
        "description": "Pelaku UMKM dibantu mendaftar, mengunggah produk dan menyusun harga di "
                       "katalog elektronik lokal agar dapat dibeli OPD.",
        "dimension": "economy",
        "unit": "DKUMKMP",
        "owner": "kepala.dkumkmp@quickwin.balikpapan.go.id",
        "stage": "in_progress",
        "target_in_days": 60,
        "days_in_stage": 48,
        "milestones": [
            {"title": "Sosialisasi kepada asosiasi UMKM", "due_in_days": -45, "done": True},
            {"title": "Kelas unggah produk angkatan pertama", "due_in_days": -20,
             "done": True},
            {"title": "Kelas unggah produk angkatan kedua", "due_in_days": 25,
             "done": False},
        ],
        "indicators": [
            {"name": "UMKM lokal yang tayang di e-katalog", "unit": "UMKM",
             "baseline": 18.0, "target": 150.0, "direction": "higher", "target_in_days": 90,
             "measurements": [[15, 52.0]]},
        ],
    },
    {
        "title": "Pelacakan Status Persetujuan Bangunan Gedung (PBG) secara Daring",
        "benefit": "Pemohon PBG bisa mengetahui berkasnya sedang di meja siapa dan kapan "
                   "perkiraan terbit tanpa datang ke kantor.",
        "description": "Setiap tahapan verifikasi PBG dicatat dan ditampilkan di halaman "
                       "pelacakan beserta notifikasi WhatsApp kepada pemohon.",
        "dimension": "economy",
        "unit": "DPMPTSP",
        "owner": None,
        "stage": "in_progress",
        "target_in_days": -10,
        "days_in_stage": 95,
        "milestones": [
            {"title": "Pemetaan alur verifikasi bersama DPU", "due_in_days": -80,
             "done": True},
            {"title": "Notifikasi WhatsApp untuk pemohon", "due_in_days": -25,
             "done": False},
            {"title": "Halaman pelacakan dibuka untuk umum", "due_in_days": 15,
             "done": False},
        ],
        "indicators": [
            {"name": "Rata-rata waktu terbit PBG", "unit": "hari",
             "baseline": 45.0, "target": 28.0, "direction": "lower", "target_in_days": 90,
             "measurements": [[30, 41.0]]},
        ],
    },
    {
        "title": "Kelas Pemasaran Digital bagi Pelaku Ekonomi Kreatif Muda",
        "benefit": "Anak muda Balikpapan yang merintis usaha kreatif belajar berjualan daring "
                   "secara gratis di dekat rumah.",
        "description": "Kelas singkat tentang foto produk, lokapasar dan iklan media sosial "
                       "digelar di balai kelurahan dan ruang kreatif kota.",
        "dimension": "economy",
        "unit": "DISPORAPAR",
        "owner": None,
        "stage": "approved",
        "target_in_days": 75,
        "days_in_stage": 27,
        "milestones": [
            {"title": "Penyusunan modul bersama komunitas kreatif", "due_in_days": 15,
             "done": False},
            {"title": "Kelas angkatan pertama", "due_in_days": 45, "done": False},
        ],
        "indicators": [
            {"name": "Peserta yang mulai berjualan daring", "unit": "orang",
             "baseline": 0.0, "target": 200.0, "direction": "higher", "target_in_days": 150,
             "measurements": []},
        ],
    },
    {
        "title": "Fasilitasi Sertifikat Halal Gratis (Self-Declare) untuk Usaha Mikro",
        "benefit": "Penjual makanan rumahan mendapat sertifikat halal tanpa biaya sehingga lebih "
                   "dipercaya pembeli.",
        "description": "Pendamping proses produk halal membantu usaha mikro mengajukan sertifikat "
                       "halal skema self-declare secara kolektif per kelurahan.",
        "dimension": "economy",
        "unit": "DKUMKMP",
        "owner": "staf.dkumkmp@quickwin.balikpapan.go.id",
        "stage": "proposed",
        "target_in_days": 200,
        "days_in_stage": 4,
        "milestones": [],
        "indicators": [
            {"name": "Usaha mikro bersertifikat halal", "unit": "UMKM",
             "baseline": 120.0, "target": 600.0, "direction": "higher", "target_in_days": 365,
             "measurements": []},
        ],
    },
    # ------------------------------------------------------------------ living
    {
        "title": "Antrean Online Puskesmas lewat WhatsApp dan Aplikasi",
        "benefit": "Pasien mengambil nomor antrean dari rumah dan datang ke puskesmas mendekati "
                   "giliran, tidak lagi antre sejak subuh.",
        "description": "Seluruh puskesmas di Balikpapan memakai sistem antrean daring yang "
                       "terhubung dengan pendaftaran pasien dan BPJS Kesehatan.",
        "dimension": "living",
        "unit": "DINKES",
        "owner": "staf.dinkes@quickwin.balikpapan.go.id",
        "stage": "rolled_out",
        "target_in_days": -180,
        "days_in_stage": 175,
        "milestones": [
            {"title": "Uji coba di Puskesmas Klandasan Ilir", "due_in_days": -260,
             "done": True},
            {"title": "Integrasi dengan pendaftaran BPJS Kesehatan", "due_in_days": -220,
             "done": True},
            {"title": "Berlaku di seluruh puskesmas", "due_in_days": -180, "done": True},
        ],
        "indicators": [
            {"name": "Waktu tunggu pendaftaran di puskesmas", "unit": "menit",
             "baseline": 90.0, "target": 20.0, "direction": "lower", "target_in_days": -120,
             "measurements": [[170, 45.0], [110, 25.0], [50, 18.0], [10, 15.0]]},
            {"name": "Pasien yang mendaftar secara daring", "unit": "%",
             "baseline": 0.0, "target": 50.0, "direction": "higher", "target_in_days": -60,
             "measurements": [[150, 21.0], [60, 38.0], [10, 44.0]]},
        ],
    },
    {
        "title": "Informasi Ketersediaan Tempat Tidur RSUD Beriman secara Real-Time",
        "benefit": "Keluarga pasien bisa mengecek kamar rawat inap yang kosong sebelum berangkat "
                   "ke rumah sakit.",
        "description": "Data tempat tidur dari sistem informasi rumah sakit ditampilkan di situs "
                       "RSUD Beriman dan layar di lobi, diperbarui setiap lima menit.",
        "dimension": "living",
        "unit": "RSUD",
        "owner": None,
        "stage": "pilot",
        "target_in_days": 20,
        "days_in_stage": 28,
        "milestones": [
            {"title": "Penarikan data dari SIMRS", "due_in_days": -50, "done": True},
            {"title": "Layar informasi di lobi IGD", "due_in_days": -30, "done": True},
            {"title": "Tampilan di situs RSUD", "due_in_days": 15, "done": False},
        ],
        "indicators": [
            {"name": "Keakuratan data tempat tidur dibanding sensus harian", "unit": "%",
             "baseline": 70.0, "target": 98.0, "direction": "higher", "target_in_days": 30,
             "measurements": [[25, 88.0], [5, 95.0]]},
        ],
    },
    {
        "title": "Informasi Jadwal dan Posisi Bus Kota secara Real-Time",
        "benefit": "Penumpang bus kota tahu kapan bus berikutnya tiba sehingga tidak menunggu "
                   "lama di halte.",
        "description": "Armada bus kota dipasangi GPS dan posisi bus ditampilkan di peta daring "
                       "serta papan informasi di halte utama.",
        "dimension": "living",
        "unit": "DISHUB",
        "owner": "staf.dishub@quickwin.balikpapan.go.id",
        "stage": "in_progress",
        "target_in_days": 100,
        "days_in_stage": 40,
        "milestones": [
            {"title": "Pemasangan GPS di seluruh armada bus kota", "due_in_days": -20,
             "done": True},
            {"title": "Peta posisi bus tayang di situs Dishub", "due_in_days": 30,
             "done": False},
            {"title": "Papan informasi di halte Jalan Jenderal Sudirman",
             "due_in_days": 90, "done": False},
        ],
        "indicators": [
            {"name": "Halte dengan papan informasi kedatangan bus", "unit": "halte",
             "baseline": 0.0, "target": 25.0, "direction": "higher", "target_in_days": 100,
             "measurements": [[5, 0.0]]},
        ],
    },
    {
        "title": "Wi-Fi Publik Gratis di Taman Kota dan Ruang Terbuka",
        "benefit": "Warga, pelajar dan pelaku UMKM bisa mengakses internet gratis saat berada "
                   "di taman kota.",
        "description": "Titik Wi-Fi dipasang di Taman Bekapai, Taman Tiga Generasi, Lapangan "
                       "Merdeka dan ruang terbuka di setiap kecamatan dengan batas waktu akses "
                       "harian.",
        "dimension": "living",
        "unit": "DISKOMINFO",
        "owner": "staf.diskominfo@quickwin.balikpapan.go.id",
        "stage": "rolled_out",
        "target_in_days": 12,
        "days_in_stage": 18,
        "milestones": [
            {"title": "Survei lokasi dan kekuatan sinyal", "due_in_days": -90, "done": True},
            {"title": "Pemasangan perangkat di taman pusat kota", "due_in_days": -45,
             "done": True},
            {"title": "Perluasan ke ruang terbuka enam kecamatan", "due_in_days": -20,
             "done": True},
        ],
        "indicators": [
            {"name": "Titik Wi-Fi publik aktif", "unit": "titik",
             "baseline": 20.0, "target": 60.0, "direction": "higher", "target_in_days": 12,
             "measurements": [[60, 31.0], [30, 48.0], [7, 64.0]]},
            {"name": "Pengguna unik harian", "unit": "orang/hari",
             "baseline": 800.0, "target": 3000.0, "direction": "higher", "target_in_days": 60,
             "measurements": [[30, 1400.0], [7, 2100.0]]},
        ],
    },
    {
        "title": "Peringatan Dini Banjir Berbasis Sensor di DAS Ampal",
        "benefit": "Warga di sekitar Sungai Ampal menerima peringatan lewat WhatsApp sebelum air "
                   "meluap ke permukiman dan jalan.",
        "description": "Sensor tinggi muka air dan curah hujan dipasang di hulu dan tengah DAS "
                       "Ampal. Ketika melewati ambang, peringatan dikirim ke RT dan grup warga.",
        "dimension": "living",
        "unit": "BPBD",
        "owner": None,
        "stage": "in_progress",
        "target_in_days": 55,
        "days_in_stage": 74,
        "milestones": [
            {"title": "Penentuan titik sensor bersama DPU", "due_in_days": -60, "done": True},
            {"title": "Pemasangan sensor di Gunung Bahagia dan Sumber Rejo",
             "due_in_days": -18, "done": False},
            {"title": "Pendaftaran grup WhatsApp RT penerima peringatan", "due_in_days": 30,
             "done": False},
            {"title": "Simulasi peringatan dini bersama warga", "due_in_days": 50,
             "done": False},
        ],
        "indicators": [
            {"name": "Waktu peringatan sebelum air meluap", "unit": "menit",
             "baseline": 0.0, "target": 60.0, "direction": "higher", "target_in_days": 120,
             "measurements": []},
            {"name": "RT di bantaran DAS Ampal yang menerima peringatan", "unit": "RT",
             "baseline": 0.0, "target": 85.0, "direction": "higher", "target_in_days": 90,
             "measurements": [[10, 12.0]]},
        ],
    },
    {
        "title": "CCTV Terintegrasi dengan Command Center Balikpapan",
        "benefit": "Kemacetan, kecelakaan dan genangan di jalan utama lebih cepat ditangani "
                   "karena terpantau langsung dari command center.",
        "description": "CCTV milik Dishub, kepolisian dan swasta dihubungkan ke command center "
                       "Diskominfo. Operator meneruskan kejadian ke petugas lapangan terdekat.",
        "dimension": "living",
        "unit": "DISKOMINFO",
        "owner": "kepala.diskominfo@quickwin.balikpapan.go.id",
        "stage": "pilot",
        "target_in_days": 25,
        "days_in_stage": 63,
        "milestones": [
            {"title": "Kesepakatan berbagi akses CCTV antarinstansi", "due_in_days": -100,
             "done": True},
            {"title": "Operator command center bertugas 24 jam", "due_in_days": -60,
             "done": True},
            {"title": "Integrasi CCTV simpang Balikpapan Baru dan Muara Rapak",
             "due_in_days": -9, "done": False},
        ],
        "indicators": [
            {"name": "Titik CCTV yang terhubung ke command center", "unit": "titik",
             "baseline": 40.0, "target": 150.0, "direction": "higher", "target_in_days": 25,
             "measurements": [[60, 72.0], [30, 95.0], [3, 104.0]]},
            {"name": "Waktu respons kejadian di jalan utama", "unit": "menit",
             "baseline": 35.0, "target": 15.0, "direction": "lower", "target_in_days": 60,
             "measurements": [[30, 28.0], [3, 22.0]]},
        ],
    },
    # ------------------------------------------------------------------ society
    {
        "title": "Posyandu Digital: Pemantauan Stunting Balita per Kelurahan",
        "benefit": "Orang tua menerima hasil penimbangan anak di ponsel dan balita berisiko "
                   "stunting segera dikunjungi petugas.",
        "description": "Kader posyandu mencatat berat dan tinggi badan balita di aplikasi. Data "
                       "langsung masuk ke puskesmas dan peta stunting per kelurahan.",
        "dimension": "society",
        "unit": "DINKES",
        "owner": "staf2.dinkes@quickwin.balikpapan.go.id",
        "stage": "in_progress",
        "target_in_days": 90,
        "days_in_stage": 55,
        "milestones": [
            {"title": "Pelatihan kader posyandu di Balikpapan Barat dan Utara",
             "due_in_days": -35, "done": True},
            {"title": "Pembagian tablet untuk posyandu", "due_in_days": -14, "done": True},
            {"title": "Peta stunting per kelurahan tayang di dasbor Dinkes",
             "due_in_days": 60, "done": False},
        ],
        "indicators": [
            {"name": "Balita ditimbang dan tercatat digital", "unit": "%",
             "baseline": 35.0, "target": 90.0, "direction": "higher", "target_in_days": 90,
             "measurements": [[30, 48.0], [3, 57.0]]},
            {"name": "Prevalensi stunting balita", "unit": "%",
             "baseline": 18.6, "target": 14.0, "direction": "lower", "target_in_days": 365,
             "measurements": []},
        ],
    },
    {
        "title": "Layanan Darurat Terpadu Call Center 112",
        "benefit": "Warga cukup menelepon 112 secara gratis untuk kebakaran, kecelakaan atau "
                   "kebutuhan ambulans, kapan pun.",
        "description": "Panggilan 112 diterima operator command center lalu diteruskan ke "
                       "pemadam kebakaran, ambulans, BPBD atau kepolisian dalam hitungan menit.",
        "dimension": "society",
        "unit": "DISKOMINFO",
        "owner": "kepala.diskominfo@quickwin.balikpapan.go.id",
        "stage": "rolled_out",
        "target_in_days": -240,
        "days_in_stage": 230,
        "milestones": [
            {"title": "Standar operasional penanganan panggilan disahkan",
             "due_in_days": -300, "done": True},
            {"title": "Operator bersertifikat bertugas 24 jam", "due_in_days": -260,
             "done": True},
            {"title": "Sosialisasi 112 di sekolah dan kelurahan", "due_in_days": -240,
             "done": True},
        ],
        "indicators": [
            {"name": "Waktu dari panggilan sampai petugas diberangkatkan", "unit": "menit",
             "baseline": 15.0, "target": 7.0, "direction": "lower", "target_in_days": -180,
             "measurements": [[200, 11.0], [120, 9.0], [40, 8.0]]},
            {"name": "Panggilan iseng", "unit": "%",
             "baseline": 60.0, "target": 30.0, "direction": "lower", "target_in_days": -60,
             "measurements": [[120, 52.0], [40, 46.0]]},
        ],
    },
    {
        "title": "Usulan Data Kesejahteraan Sosial Langsung dari Kelurahan",
        "benefit": "Keluarga yang belum terdaftar sebagai penerima bantuan bisa diusulkan "
                   "melalui kelurahan tanpa harus ke Dinas Sosial.",
        "description": "Operator kelurahan memasukkan usulan dan pembaruan data keluarga "
                       "prasejahtera, lalu Dinas Sosial memverifikasi dan memadankan NIK "
                       "dengan Disdukcapil.",
        "dimension": "society",
        "unit": "DINSOS",
        "owner": None,
        "stage": "approved",
        "target_in_days": 95,
        "days_in_stage": 30,
        "milestones": [
            {"title": "Pelatihan operator kesejahteraan sosial kelurahan",
             "due_in_days": 30, "done": False},
            {"title": "Pemadanan NIK otomatis dengan Disdukcapil", "due_in_days": 70,
             "done": False},
        ],
        "indicators": [
            {"name": "Waktu verifikasi usulan data keluarga", "unit": "hari",
             "baseline": 60.0, "target": 14.0, "direction": "lower", "target_in_days": 150,
             "measurements": []},
        ],
    },
    {
        "title": "Posko Pendampingan Pendaftaran Murid Baru di Sekolah",
        "benefit": "Orang tua yang kesulitan mendaftar daring dibantu langsung oleh operator di "
                   "sekolah terdekat.",
        "description": "Setiap SD dan SMP negeri membuka posko pendampingan SPMB daring dengan "
                       "operator sekolah dan kanal aduan yang dipantau Disdikbud.",
        "dimension": "society",
        "unit": "DISDIKBUD",
        "owner": None,
        "stage": "pilot",
        "target_in_days": 35,
        "days_in_stage": 22,
        "milestones": [
            {"title": "Petunjuk teknis pendampingan diterbitkan", "due_in_days": -40,
             "done": True},
            {"title": "Posko dibuka di SD dan SMP negeri Balikpapan Timur",
             "due_in_days": -20, "done": True},
            {"title": "Posko dibuka di seluruh kecamatan", "due_in_days": 30,
             "done": False},
        ],
        "indicators": [
            {"name": "Aduan pendaftaran murid baru", "unit": "aduan",
             "baseline": 420.0, "target": 150.0, "direction": "lower", "target_in_days": 60,
             "measurements": [[15, 310.0]]},
        ],
    },
    {
        "title": "Kelas Literasi Digital untuk Lansia dan Ibu Rumah Tangga",
        "benefit": "Warga lansia dan ibu rumah tangga bisa memakai layanan daring Pemkot dan "
                   "terhindar dari penipuan online.",
        "description": "Relawan TIK dan Diskominfo menggelar kelas praktik di balai kelurahan, "
                       "mulai dari antrean online puskesmas hingga mengenali pesan penipuan.",
        "dimension": "society",
        "unit": "DISKOMINFO",
        "owner": "staf.diskominfo@quickwin.balikpapan.go.id",
        "stage": "approved",
        "target_in_days": 60,
        "days_in_stage": 14,
        "milestones": [
            {"title": "Modul kelas literasi digital disusun", "due_in_days": 20,
             "done": False},
            {"title": "Kelas perdana di Kelurahan Baru Ulu", "due_in_days": 45,
             "done": False},
        ],
        "indicators": [
            {"name": "Peserta kelas literasi digital", "unit": "orang",
             "baseline": 0.0, "target": 1200.0, "direction": "higher", "target_in_days": 180,
             "measurements": []},
        ],
    },
    {
        "title": "Perekaman KTP-el di Rumah bagi Lansia dan Penyandang Disabilitas",
        "benefit": "Lansia dan penyandang disabilitas tidak perlu keluar rumah untuk merekam "
                   "data KTP-el.",
        "description": "Keluarga mendaftarkan kebutuhan melalui kelurahan atau WhatsApp, lalu "
                       "petugas Disdukcapil datang membawa alat perekaman portabel.",
        "dimension": "society",
        "unit": "DISDUKCAPIL",
        "owner": "staf2.disdukcapil@quickwin.balikpapan.go.id",
        "stage": "proposed",
        "target_in_days": 120,
        "days_in_stage": 6,
        "milestones": [
            {"title": "Pengadaan alat perekaman portabel", "due_in_days": 60,
             "done": False},
            {"title": "Formulir permohonan layanan di rumah", "due_in_days": 75,
             "done": False},
        ],
        "indicators": [
            {"name": "Lansia dan penyandang disabilitas yang direkam di rumah",
             "unit": "orang/bulan", "baseline": 0.0, "target": 80.0, "direction": "higher",
             "target_in_days": 180, "measurements": []},
        ],
    },
    # ------------------------------------------------------------------ environment
    {
        "title": "E-Retribusi Sampah: Bayar Iuran Kebersihan lewat QRIS",
        "benefit": "Warga membayar retribusi sampah dari ponsel dan mendapat bukti bayar "
                   "digital, tanpa menunggu petugas penagih.",
        "description": "Tagihan retribusi persampahan rumah tangga dan usaha diterbitkan "
                       "bulanan dengan kode QRIS. Pembayaran tercatat langsung di kas daerah.",
        "dimension": "environment",
        "unit": "DLH",
        "owner": "staf.dlh@quickwin.balikpapan.go.id",
        "stage": "pilot",
        "target_in_days": 45,
        "days_in_stage": 30,
        "milestones": [
            {"title": "Pemutakhiran data wajib retribusi", "due_in_days": -60, "done": True},
            {"title": "Uji coba di Kelurahan Damai dan Telaga Sari", "due_in_days": -30,
             "done": True},
            {"title": "Perluasan ke Kecamatan Balikpapan Selatan", "due_in_days": 40,
             "done": False},
        ],
        "indicators": [
            {"name": "Retribusi sampah yang dibayar non-tunai", "unit": "%",
             "baseline": 5.0, "target": 40.0, "direction": "higher", "target_in_days": 90,
             "measurements": [[28, 14.0], [7, 19.0]]},
        ],
    },
    {
        "title": "Bank Sampah Digital: Tabungan Sampah Tercatat di Aplikasi",
        "benefit": "Nasabah bank sampah bisa melihat saldo tabungan sampahnya kapan saja dan "
                   "menukarnya dengan pulsa atau pembayaran tagihan.",
        "description": "Bank sampah unit di tingkat RT mencatat setoran sampah terpilah di "
                       "aplikasi. DLH memantau volume sampah yang tidak lagi dikirim ke TPA.",
        "dimension": "environment",
        "unit": "DLH",
        "owner": "staf.dlh@quickwin.balikpapan.go.id",
        "stage": "in_progress",
        "target_in_days": 80,
        "days_in_stage": 44,
        "milestones": [
            {"title": "Pendataan bank sampah unit aktif", "due_in_days": -40, "done": True},
            {"title": "Pelatihan pengurus bank sampah", "due_in_days": -5, "done": True},
            {"title": "Penukaran saldo dengan pulsa dan token listrik", "due_in_days": 60,
             "done": False},
        ],
        "indicators": [
            {"name": "Sampah terpilah yang disetor ke bank sampah", "unit": "ton/bulan",
             "baseline": 38.0, "target": 75.0, "direction": "higher", "target_in_days": 180,
             "measurements": [[20, 44.0]]},
        ],
    },
    {
        "title": "Mangrove Center Graha Indah: Reservasi Kunjungan dan Adopsi Bibit",
        "benefit": "Sekolah dan komunitas bisa memesan kunjungan edukasi dan ikut menanam "
                   "mangrove cukup lewat formulir daring.",
        "description": "DLH bersama kelompok pengelola Mangrove Center Graha Indah di "
                       "Balikpapan Utara membuka jadwal kunjungan dan program adopsi bibit "
                       "mangrove.",
        "dimension": "environment",
        "unit": "DLH",
        "owner": "kepala.dlh@quickwin.balikpapan.go.id",
        "stage": "approved",
        "target_in_days": 65,
        "days_in_stage": 8,
        "milestones": [
            {"title": "Kesepakatan dengan kelompok pengelola", "due_in_days": 14,
             "done": False},
            {"title": "Formulir reservasi dan adopsi dibuka", "due_in_days": 55,
             "done": False},
        ],
        "indicators": [
            {"name": "Bibit mangrove yang diadopsi", "unit": "bibit",
             "baseline": 0.0, "target": 5000.0, "direction": "higher", "target_in_days": 240,
             "measurements": []},
        ],
    },
    {
        "title": "Perluasan Sambungan Gas Metana TPA Manggar ke Rumah Warga",
        "benefit": "Keluarga di sekitar TPA Manggar memasak dengan gas metana dari sampah kota "
                   "dan berhemat belanja elpiji.",
        "description": "Gas metana dari sel landfill TPA Manggar dialirkan melalui pipa ke rumah "
                       "warga di Kelurahan Manggar dan Manggar Baru.",
        "dimension": "environment",
        "unit": "DLH",
        "owner": "kepala.dlh@quickwin.balikpapan.go.id",
        "stage": "rolled_out",
        "target_in_days": -90,
        "days_in_stage": 85,
        "milestones": [
            {"title": "Pemasangan pipa distribusi tahap lanjutan", "due_in_days": -150,
             "done": True},
            {"title": "Uji keamanan sambungan rumah", "due_in_days": -110, "done": True},
            {"title": "Sambungan aktif dan diserahterimakan ke warga", "due_in_days": -90,
             "done": True},
        ],
        "indicators": [
            {"name": "Rumah tangga yang tersambung gas metana", "unit": "rumah",
             "baseline": 180.0, "target": 400.0, "direction": "higher", "target_in_days": -90,
             "measurements": [[120, 260.0], [80, 330.0], [20, 365.0]]},
        ],
    },
    {
        "title": "Papan Indeks Kualitas Udara Real-Time di Ruang Publik",
        "benefit": "Warga bisa mengetahui kualitas udara hari ini sebelum berolahraga atau "
                   "beraktivitas di luar ruangan.",
        "description": "Data stasiun pemantau kualitas udara ditampilkan di layar ruang publik "
                       "dan situs DLH dalam kategori ISPU yang mudah dipahami.",
        "dimension": "environment",
        "unit": "DLH",
        "owner": "staf.dlh@quickwin.balikpapan.go.id",
        "stage": "proposed",
        "target_in_days": 160,
        "days_in_stage": 21,
        "milestones": [],
        "indicators": [],
    },
    {
        "title": "Lapor Drainase Tersumbat Berbasis Peta untuk Cegah Genangan",
        "benefit": "Warga cukup memotret saluran yang tersumbat dan petugas datang "
                   "membersihkan sebelum hujan deras tiba.",
        "description": "Laporan berfoto dan bertitik lokasi masuk ke peta kerja satuan tugas "
                       "drainase DPU sehingga pembersihan dapat diprioritaskan.",
        "dimension": "environment",
        "unit": "DPU",
        "owner": None,
        "stage": "proposed",
        "target_in_days": 130,
        "days_in_stage": 2,
        "milestones": [
            {"title": "Penyusunan kategori laporan drainase", "due_in_days": 30,
             "done": False},
        ],
        "indicators": [
            {"name": "Waktu penanganan laporan drainase", "unit": "hari",
             "baseline": 10.0, "target": 3.0, "direction": "lower", "target_in_days": 240,
             "measurements": []},
        ],
    },
]

GENERATED: dict[str, dict[str, list[str]]] = {
    "governance": {
        "services": [
            "layanan surat keterangan kelurahan",
            "pengaduan masyarakat terpadu",
            "layanan administrasi kependudukan",
            "survei kepuasan masyarakat",
            "layanan perizinan usaha mikro",
            "tanda tangan elektronik surat dinas",
            "informasi anggaran kelurahan",
            "musrenbang kelurahan daring",
            "layanan legalisir dokumen",
            "pengelolaan arsip kecamatan",
        ],
        "actions": [
            "Digitalisasi", "Percepatan", "Penyederhanaan", "Perluasan", "Integrasi",
            "Transparansi",
        ],
        "benefits": [
            "Warga {place} tidak perlu lagi antre berjam-jam di kantor layanan.",
            "Warga {place} bisa mengurus dokumen dari rumah lewat ponsel.",
            "Permohonan warga {place} selesai dalam satu hari kerja.",
            "Warga {place} dapat memantau status permohonannya secara daring.",
            "Aduan warga {place} ditindaklanjuti paling lama tiga hari.",
        ],
    },
    "branding": {
        "services": [
            "kalender event wisata",
            "papan informasi destinasi berkode QR",
            "promosi kuliner khas",
            "festival budaya kampung",
            "konten video destinasi",
            "penanda identitas Kota Nyaman",
            "paket wisata edukasi",
            "galeri produk kerajinan lokal",
            "pemandu wisata bersertifikat",
        ],
        "actions": [
            "Promosi Digital", "Penguatan", "Pengembangan", "Revitalisasi", "Perluasan",
        ],
        "benefits": [
            "Wisatawan lebih mudah menemukan daya tarik {place}.",
            "Pelaku usaha di {place} kebanjiran pengunjung saat akhir pekan.",
            "Warga {place} bangga menampilkan potensi kampungnya.",
            "Event di {place} dikenal hingga ke luar Kalimantan Timur.",
            "Pokdarwis {place} mendapat tambahan penghasilan dari kunjungan wisata.",
        ],
    },
    "economy": {
        "services": [
            "pembayaran QRIS di pasar tradisional",
            "pendampingan legalitas UMKM",
            "pelatihan pemasaran digital",
            "akses permodalan koperasi",
            "katalog elektronik produk lokal",
            "sertifikasi halal usaha mikro",
            "informasi harga bahan pokok",
            "bursa kerja lokal",
            "inkubasi usaha rintisan",
        ],
        "actions": [
            "Digitalisasi", "Pendampingan", "Percepatan", "Perluasan", "Fasilitasi",
        ],
        "benefits": [
            "Pelaku UMKM {place} bisa berjualan ke pembeli di seluruh kota.",
            "Pedagang di {place} menerima pembayaran non-tunai tanpa biaya tambahan.",
            "Usaha mikro di {place} memperoleh izin usaha dalam satu hari.",
            "Warga {place} mendapat informasi lowongan kerja terdekat lebih cepat.",
            "Omzet pelaku usaha di {place} naik berkat pemasaran daring.",
        ],
    },
    "living": {
        "services": [
            "layanan antrean online puskesmas",
            "informasi ketersediaan tempat tidur rumah sakit",
            "jadwal bus kota",
            "Wi-Fi publik di taman kota",
            "peringatan dini banjir",
            "CCTV jalan utama",
            "penerangan jalan umum pintar",
            "layanan ambulans gratis",
            "pemantauan genangan jalan",
            "layanan air bersih",
        ],
        "actions": [
            "Digitalisasi", "Perluasan", "Peningkatan", "Integrasi", "Percepatan",
            "Pemantauan Real-Time",
        ],
        "benefits": [
            "Warga {place} tidak perlu lagi antre berjam-jam di puskesmas.",
            "Warga {place} mendapat peringatan sebelum air meluap ke jalan.",
            "Jalan di {place} lebih terang dan aman pada malam hari.",
            "Warga {place} tahu kapan bus berikutnya tiba di halte terdekat.",
            "Warga {place} menikmati internet gratis di ruang terbuka.",
        ],
    },
    "society": {
        "services": [
            "posyandu digital",
            "pemantauan stunting balita",
            "pendaftaran murid baru",
            "kelas literasi digital",
            "usulan data bantuan sosial",
            "layanan darurat 112",
            "pojok baca kelurahan",
            "layanan adminduk untuk penyandang disabilitas",
            "pendampingan lansia",
        ],
        "actions": [
            "Penguatan", "Digitalisasi", "Perluasan", "Pendampingan", "Percepatan",
        ],
        "benefits": [
            "Balita di {place} terpantau tumbuh kembangnya setiap bulan.",
            "Keluarga prasejahtera di {place} lebih cepat terdata sebagai penerima bantuan.",
            "Lansia di {place} dilayani tanpa harus keluar rumah.",
            "Orang tua di {place} dibantu mendaftarkan anak sekolah secara daring.",
            "Warga {place} lebih waspada terhadap penipuan online.",
        ],
    },
    "environment": {
        "services": [
            "bank sampah digital",
            "pembayaran retribusi sampah",
            "pengangkutan sampah terjadwal",
            "adopsi bibit mangrove",
            "pemantauan kualitas udara",
            "pelaporan drainase tersumbat",
            "pengomposan sampah organik rumah tangga",
            "penanaman pohon peneduh",
            "pemilahan sampah di sekolah",
        ],
        "actions": [
            "Digitalisasi", "Perluasan", "Penguatan", "Gerakan", "Optimalisasi",
        ],
        "benefits": [
            "Sampah di {place} terangkut tepat waktu dan tidak menumpuk di TPS.",
            "Warga {place} menabung dari sampah yang dipilah di rumah.",
            "Saluran air di {place} bersih sebelum musim hujan.",
            "Warga {place} membayar retribusi sampah tanpa menunggu petugas.",
            "Lingkungan {place} lebih hijau dan sejuk.",
        ],
    },
}

# All 34 kelurahan of Kota Balikpapan, grouped by kecamatan.
PLACES: list[str] = [
    # Balikpapan Kota
    "Klandasan Ilir", "Klandasan Ulu", "Prapatan", "Telaga Sari", "Damai",
    # Balikpapan Selatan
    "Sepinggan", "Sepinggan Raya", "Sepinggan Baru", "Gunung Bahagia", "Damai Baru",
    "Damai Bahagia", "Sungai Nangka",
    # Balikpapan Timur
    "Manggar", "Manggar Baru", "Lamaru", "Teritip",
    # Balikpapan Utara
    "Gunung Samarinda", "Gunung Samarinda Baru", "Muara Rapak", "Batu Ampar", "Karang Joang",
    "Graha Indah",
    # Balikpapan Tengah
    "Gunung Sari Ilir", "Gunung Sari Ulu", "Mekar Sari", "Karang Rejo", "Sumber Rejo",
    "Karang Jati",
    # Balikpapan Barat
    "Baru Ilir", "Baru Tengah", "Baru Ulu", "Margasari", "Margo Mulyo", "Kariangau",
]

# Budgets (``budget/``): a programme/sub-activity code per dimension (Permendagri 90/2019 style),
# the planned amounts drawn from, and the notes on realised spending.
BUDGET_CODES: dict[str, str] = {
    "governance": "2.16.03.2.02.0005",
    "branding": "3.26.02.2.01.0003",
    "economy": "3.31.02.2.03.0001",
    "living": "1.02.02.2.01.0001",
    "society": "1.06.04.2.01.0002",
    "environment": "2.11.03.2.02.0004",
}
BUDGET_PLANNED_JUTA: tuple[int, ...] = (45, 75, 120, 150, 250, 350, 500, 750)
SPENDING_NOTES: tuple[str, ...] = (
    "Pembayaran termin pertama kepada penyedia.",
    "Pengadaan perangkat dan bahan habis pakai.",
    "Honorarium narasumber dan tim pelaksana.",
    "Sosialisasi kepada warga di kelurahan.",
    "Pembayaran termin akhir setelah serah terima.",
)
