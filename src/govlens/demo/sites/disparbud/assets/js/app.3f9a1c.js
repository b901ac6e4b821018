/* Disparbud Kota Demokota - single-page app bundle (hand-written stand-in for a Vue build). */
(function () {
  "use strict";
  var routes = {
    "/": {
      title: "Beranda",
      html:
        '<section class="hero"><h1>Wonderful Demokota</h1><p>Jelajahi pantai, kuliner, dan budaya Kota Demokota.</p></section>' +
        '<section><h2>Agenda Budaya</h2><ul>' +
        '<li><a href="/event/festival-budaya-2023">Festival Budaya Demokota 2023</a> &ndash; 9&ndash;10 Desember 2023, Alun-alun Kota</li>' +
        '<li>Pawai Ogoh-ogoh dan Seni Debus &ndash; 16 Desember 2023</li></ul></section>' +
        '<section><h2>Destinasi</h2><ul><li>Pantai Kelapa Tujuh</li><li>Kawasan Religi Masjid Agung</li><li>Bukit Gunung Batur</li></ul></section>'
    },
    "/profil": {
      title: "Profil",
      html:
        '<h1>Profil Dinas</h1><p>Kepala Dinas Pariwisata dan Kebudayaan: <strong>Drs. Wahyu Hidayat, M.Par.</strong></p>' +
        '<p>Jl. Pariwisata No. 1, Kota Demokota 42418 &middot; Telp. (0254) 395300 &middot; disparbud@demokota.go.id</p>'
    },
    "/event/festival-budaya-2023": {
      title: "Festival Budaya Demokota 2023",
      html:
        '<h1>Festival Budaya Demokota 2023</h1><p>Kampanye Sadar Wisata &ldquo;Sapta Pesona&rdquo;: mari jaga kebersihan dan keramahan kota. ' +
        'Dibuka pendaftaran 150 relawan festival dan kelompok sadar wisata (Pokdarwis) dari 43 kelurahan.</p>'
    }
  };
  var footer =
    '<footer><p>Dinas Pariwisata dan Kebudayaan Kota Demokota &middot; Jl. Pariwisata No. 1 &middot; (0254) 395300</p>' +
    '<p><a href="https://www.instagram.com/disparbud.demokota/">Instagram</a> &middot; ' +
    '<a href="https://www.facebook.com/disparbuddemokota">Facebook</a> &middot; ' +
    '<a href="https://www.youtube.com/@wonderfuldemokota">YouTube</a></p></footer>';
  var nav =
    '<nav><a href="/">Beranda</a> <a href="/profil">Profil</a> <a href="/event/festival-budaya-2023">Event</a></nav>';
  function render() {
    var r = routes[location.pathname] || { title: "Tidak ditemukan", html: "<h1>Halaman tidak ditemukan</h1>" };
    document.title = r.title + " - Disparbud Kota Demokota";
    document.getElementById("app").innerHTML = nav + "<main>" + r.html + "</main>" + footer;
  }
  document.addEventListener("DOMContentLoaded", render);
  window.addEventListener("popstate", render);
})();
