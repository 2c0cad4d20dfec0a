<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>bmfl::CortexView</name>
    <message>
        <location filename="../widgets/src/CortexView.cpp" line="254"/>
        <source>lateral</source>
        <translation>外侧</translation>
    </message>
    <message>
        <location filename="../widgets/src/CortexView.cpp" line="256"/>
        <source>medial</source>
        <translation>内侧</translation>
    </message>
    <message>
        <location filename="../widgets/src/CortexView.cpp" line="258"/>
        <source>dorsal</source>
        <translation>背侧</translation>
    </message>
    <message>
        <location filename="../widgets/src/CortexView.cpp" line="260"/>
        <source>ventral</source>
        <translation>腹侧</translation>
    </message>
    <message>
        <location filename="../widgets/src/CortexView.cpp" line="262"/>
        <source>anterior</source>
        <translation>前侧</translation>
    </message>
    <message>
        <location filename="../widgets/src/CortexView.cpp" line="264"/>
        <source>posterior</source>
        <translation>后侧</translation>
    </message>
    <message>
        <location filename="../widgets/src/CortexView.cpp" line="279"/>
        <source>Left hemisphere</source>
        <translation>左半球</translation>
    </message>
    <message>
        <location filename="../widgets/src/CortexView.cpp" line="279"/>
        <source>Right hemisphere</source>
        <translation>右半球</translation>
    </message>
</context>
<context>
    <name>bmfl::MainWindow</name>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="45"/>
        <source>BMFL Workbench</source>
        <translation>BMFL 工作台</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="61"/>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="62"/>
        <source>Open &amp;Template Surface Folder...</source>
        <translation>打开模板皮层文件夹(&amp;T)...</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="64"/>
        <source>Use &amp;Bundled fsaverage5</source>
        <translation>使用内置 fsaverage5(&amp;B)</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="72"/>
        <source>&amp;Export View as PNG...</source>
        <translation>导出视图为 PNG(&amp;E)...</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="76"/>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="80"/>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="100"/>
        <source>&amp;Reset View</source>
        <translation>重置视图(&amp;R)</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="104"/>
        <source>&amp;Surface</source>
        <translation>皮层表面(&amp;S)</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="121"/>
        <source>&amp;Model</source>
        <translation>模型(&amp;M)</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="122"/>
        <source>No model loaded</source>
        <translation>未加载模型</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="123"/>
        <source>&amp;Data</source>
        <translation>数据(&amp;D)</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="124"/>
        <source>No dataset loaded</source>
        <translation>未加载数据集</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="126"/>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="127"/>
        <source>&amp;About BMFL Workbench</source>
        <translation>关于 BMFL 工作台(&amp;A)</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="129"/>
        <source>About &amp;Qt</source>
        <translation>关于 &amp;Qt</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="161"/>
        <source>Still loading the previous surface...</source>
        <translation>仍在加载上一个皮层表面...</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="164"/>
        <source>Loading %1 surface...</source>
        <translation>正在加载 %1 表面...</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="188"/>
        <source>Cannot load surface</source>
        <translation>无法加载皮层表面</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="198"/>
        <source>Template surface folder (e.g. fsaverage)</source>
        <translation>模板皮层文件夹（如 fsaverage）</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="212"/>
        <location filename="../app/workbench/MainWindow.cpp" line="222"/>
        <source>%1: cannot write: %2</source>
        <translation>%1：无法写入：%2</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="218"/>
        <source>%1: cannot encode PNG: %2</source>
        <translation>%1：无法编码 PNG：%2</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="229"/>
        <source>Export view</source>
        <translation>导出视图</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="230"/>
        <source>PNG images (*.png)</source>
        <translation>PNG 图像 (*.png)</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="242"/>
        <source>Export failed</source>
        <translation>导出失败</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="245"/>
        <source>Saved %1</source>
        <translation>已保存 %1</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="252"/>
        <source>%1 %2 · left %3 / right %4 vertices · %5 view</source>
        <translation>%1 %2 · 左 %3 / 右 %4 个顶点 · %5视图</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="261"/>
        <source>No surface loaded</source>
        <translation>未加载皮层表面</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="265"/>
        <source>LibTorch %1 · %2 · %3 threads · %4</source>
        <translation>LibTorch %1 · %2 · %3 线程 · %4</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="267"/>
        <source>CUDA</source>
        <translation>CUDA</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="267"/>
        <source>CPU</source>
        <translation>CPU</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="269"/>
        <source>OpenBLAS</source>
        <translation>OpenBLAS</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="269"/>
        <source>reference BLAS (slow)</source>
        <translation>参考 BLAS（慢）</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="275"/>
        <source>About BMFL Workbench</source>
        <translation>关于 BMFL 工作台</translation>
    </message>
    <message>
        <location filename="../app/workbench/MainWindow.cpp" line="276"/>
        <source>&lt;h3&gt;BMFL Workbench %1&lt;/h3&gt;&lt;p&gt;Brain-machine fusion learning (NeuralOOD, Zhao et al. 2024): predicted fMRI on the cortical surface, fusion attention, and baseline versus BMFL accuracy out of distribution.&lt;/p&gt;&lt;p&gt;fsaverage5 is part of FreeSurfer (Fischl 2012), distributed under the FreeSurfer Software License.&lt;/p&gt;</source>
        <translation>&lt;h3&gt;BMFL 工作台 %1&lt;/h3&gt;&lt;p&gt;脑机融合学习（NeuralOOD，Zhao 等，2024）：皮层表面上的预测 fMRI、融合注意力，以及基线与 BMFL 在分布外数据上的准确率比较。&lt;/p&gt;&lt;p&gt;fsaverage5 属于 FreeSurfer（Fischl 2012），依据 FreeSurfer 软件许可分发。&lt;/p&gt;</translation>
    </message>
</context>
</TS>
